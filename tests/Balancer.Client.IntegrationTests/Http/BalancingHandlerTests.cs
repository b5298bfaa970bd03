using System.Net.Http.Headers;
using System.Security.Cryptography;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Http;

public sealed class BalancingHandlerTests
{
    [Fact]
    public async Task Get_ForeignAbsoluteUri_GoesUntouchedToThatBackendOnly()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build("foreign", o => o.AddEndpoints(cluster), client: b => b.AddFeedbackObserver(_ => observer));
        var client = provider.CreateClient("foreign");
        var target = cluster[1];

        for (var i = 0; i < 10; i++)
        {
            (await client.GetBackendAsync($"http://127.0.0.1:{target.Port}/x?i={i}")).Should().Be(target.Name);
        }

        target.RequestsReceived.Should().Be(10);
        target.Received.Should().OnlyContain(r => r.PathAndQuery.StartsWith("/x?i=", StringComparison.Ordinal) && r.Host == $"127.0.0.1:{target.Port}");
        cluster[0].RequestsReceived.Should().Be(0);
        cluster[2].RequestsReceived.Should().Be(0);
        observer.Attempts.Should().BeEmpty("requests to other hosts are not balanced");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    [InlineData(1024 * 1024)]
    public async Task Post_Body_ArrivesIntact(int size)
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build("bodies", o => o.AddEndpoints(cluster));
        var body = new byte[size];
        new Random(size).NextBytes(body);
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(body));

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await provider.CreateClient("bodies").PostAsync("/upload", content);

        response.EnsureSuccessStatusCode();
        response.Headers.GetValues(BackendHeaders.BodySha256).Single().Should().Be(expectedHash);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(body);
        var received = cluster.Find(response.BackendName())!.Received.Single();
        received.Should().BeEquivalentTo(new { Method = "POST", PathAndQuery = "/upload", BodyLength = (long)size, BodySha256 = expectedHash });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_HostHeader_NamesEndpointByDefaultAndLogicalHostWhenPreserved(bool preserveLogicalHost)
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build("orders-api", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.PreserveLogicalHost = preserveLogicalHost;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient("orders-api");

        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/host");
            response.EnsureSuccessStatusCode();
            var backend = cluster.Find(response.BackendName())!;
            var expected = preserveLogicalHost ? "orders-api" : $"127.0.0.1:{backend.Port}";
            response.Headers.GetValues(BackendHeaders.ReceivedHost).Single().Should().Be(expected);
            response.RequestMessage!.RequestUri.Should().Be(new Uri("http://orders-api/host"), "the logical URI is restored after the attempt");
        }

        cluster.Should().OnlyContain(b => b.RequestsReceived == 2);
    }

    [Fact]
    public async Task Get_EndpointWithBasePath_PrefixesRequestPathAndKeepsQuery()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "base-path" });
        await using var provider = TestServices.Build("with-base", o => o.AddEndpoint($"http://127.0.0.1:{backend.Port}/api/"));

        (await provider.CreateClient("with-base").GetBackendAsync("/orders?x=1&y=a%20b")).Should().Be("base-path");

        backend.Received.Single().PathAndQuery.Should().Be("/api/orders?x=1&y=a%20b");
    }

    [Fact]
    public async Task Get_AHandlerAboveSendsTheSameMessageAgain_TheSecondSendAvoidsTheFirstEndpoint()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var resender = new ResendingHandler();
        await using var provider = TestServices.Build(
            "resent",
            o => o.AddEndpoints(cluster),
            client: b => b
                .UseEndpointSelector("prefers-backend-0", _ => new PreferredEndpointSelector(cluster[0].Port))
                .AddHttpMessageHandler(() => resender));

        (await provider.CreateClient("resent").GetBackendAsync("/x")).Should().NotBe(cluster[0].Name);

        resender.Backends.Should().HaveCount(2);
        resender.Backends[0].Should().Be(cluster[0].Name, "the first send goes where the selector prefers");
        resender.Backends[1].Should().NotBe(cluster[0].Name, "an application's handler that sends again is above the balancer, so the first endpoint is recorded and avoided");
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public async Task Get_TheRequestOptions_HoldTheAttemptOnlyWhenAHandlerAboveMaySendAgain(bool handlerAbove, int expectedOptions)
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var primary = new OptionsCountingHandler();
        await using var provider = TestServices.Build(
            "options",
            o => o.AddEndpoints(cluster),
            client: b =>
            {
                b.ConfigurePrimaryHttpMessageHandler(() => primary);
                if (handlerAbove)
                {
                    b.AddHttpMessageHandler(() => new PassThroughHandler());
                }
            });

        await provider.CreateClient("options").GetBackendAsync("/x");

        // HttpClient never sends a message twice: without a handler above, nothing can retry it, so the balancer keeps no
        // record of the first attempt in the request's options (that costs a dictionary per request).
        primary.OptionCounts.Should().Equal([expectedOptions]);
    }

    /// <summary>Sends every request twice, as a retry of the application's own would, and keeps the backend of each send.</summary>
    private sealed class ResendingHandler : DelegatingHandler
    {
        public List<string> Backends { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using (var first = await base.SendAsync(request, cancellationToken))
            {
                Backends.Add(first.BackendName());
            }

            var second = await base.SendAsync(request, cancellationToken);
            Backends.Add(second.BackendName());
            return second;
        }
    }

    private sealed class PassThroughHandler : DelegatingHandler;

    /// <summary>The primary handler: counts the options each request carries when it reaches the transport.</summary>
    private sealed class OptionsCountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<int> OptionCounts { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            OptionCounts.Add(((IDictionary<string, object?>)request.Options).Count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
