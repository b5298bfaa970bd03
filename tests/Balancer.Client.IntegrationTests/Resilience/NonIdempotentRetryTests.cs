using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Balancer.Client.IntegrationTests.Resilience;

/// <summary>
/// A POST whose first attempt surely hits a backend that answers 503 (a selector that prefers it), with two healthy
/// backends to retry on: resent only with an opt-in, and never with a body that cannot be replayed.
/// </summary>
public sealed class NonIdempotentRetryTests
{
    private const string Body = "{\"order\":42}";

    [Fact]
    public async Task Post_FirstAttemptAnswers503_WithoutOptIn_ReachesTheServersExactlyOnce()
    {
        await using var cluster = await StartClusterAsync();
        await using var provider = Build("post-once", cluster, retry: null);
        var client = provider.CreateClient("post-once");

        using var content = new StringContent(Body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/orders", content);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the only attempt's answer is returned");
        response.BackendName().Should().Be("backend-0");
        cluster.TotalReceived.Should().Be(1, "a POST that may have reached a server is not resent without an opt-in");
        cluster[0].Received.Should().ContainSingle().Which.Method.Should().Be("POST");

        // The same failure on an idempotent PUT is retried on another endpoint.
        using var put = new StringContent(Body, Encoding.UTF8, "application/json");
        using var putResponse = await client.PutAsync("/orders/42", put);
        putResponse.StatusCode.Should().Be(HttpStatusCode.OK);
        putResponse.BackendName().Should().NotBe("backend-0");
        cluster.TotalReceived.Should().Be(3);
    }

    [Fact]
    public async Task Post_FirstAttemptAnswers503_WithRetryNonIdempotent_RetriedOnAnotherEndpointWithTheSameBody()
    {
        await using var cluster = await StartClusterAsync();
        await using var provider = Build("post-opt-in", cluster, retry: o => o.RetryNonIdempotent = true);
        var client = provider.CreateClient("post-opt-in");

        using var content = new StringContent(Body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/orders", content);

        await ShouldHaveSucceededOnSecondEndpointAsync(response, cluster);
    }

    [Fact]
    public async Task Post_FirstAttemptAnswers503_WithAllowNonIdempotentRetryOnRequest_RetriedOnAnotherEndpoint()
    {
        await using var cluster = await StartClusterAsync();
        await using var provider = Build("post-per-request", cluster, retry: null);
        var client = provider.CreateClient("post-per-request");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.AllowNonIdempotentRetry();
        using var response = await client.SendAsync(request);

        await ShouldHaveSucceededOnSecondEndpointAsync(response, cluster);
    }

    [Fact]
    public async Task Post_StreamContent_NeverResentEvenWithBothOptIns()
    {
        await using var cluster = await StartClusterAsync();
        await using var provider = Build("post-stream", cluster, retry: o => o.RetryNonIdempotent = true);
        var client = provider.CreateClient("post-stream");

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Body));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/orders") { Content = new StreamContent(stream) };
        request.AllowNonIdempotentRetry();
        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.BackendName().Should().Be("backend-0");
        cluster.TotalReceived.Should().Be(1, "a stream body may be consumed: it is never sent twice");
    }

    private static async Task ShouldHaveSucceededOnSecondEndpointAsync(HttpResponseMessage response, BackendCluster cluster)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Body)));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var winner = response.BackendName();
        winner.Should().NotBe("backend-0", "the retry avoids the endpoint already tried");
        response.Headers.GetValues(BackendHeaders.BodySha256).Single().Should().Be(sha256, "the retry resends the same body");
        (await response.Content.ReadAsStringAsync()).Should().Be(Body);
        cluster[0].RequestsReceived.Should().Be(1);
        cluster.TotalReceived.Should().Be(2, "one failed attempt and one retry");
        cluster[0].Received.Single().BodySha256.Should().Be(sha256);
    }

    private static Task<BackendCluster> StartClusterAsync() => BackendCluster.StartAsync(3, (i, o) =>
    {
        o.Behavior.MeanServiceTime = TimeSpan.Zero;
        o.Behavior.FailureRate = i == 0 ? 1 : 0;
    });

    private static ServiceProvider Build(string name, BackendCluster cluster, Action<Balancer.Client.Resilience.BalancerRetryOptions>? retry) =>
        TestServices.Build(
            name,
            o => o.AddEndpoints(cluster),
            client: b => b
                .UseEndpointSelector("prefers-backend-0", _ => new PreferredEndpointSelector(cluster[0].Port))
                .AddBalancerRetry(retry));
}
