using System.Net;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.AspNetCore.Tests;

/// <summary>The Prequal selector probing real Kestrel backends, with and without <c>UseBalancerLoadReports</c>.</summary>
public sealed class PrequalSelectorTests
{
    [Fact]
    public async Task Prequal_WithLoadReports_ProbesTheServers_AndKeepsTrafficOffTheSlowOne()
    {
        await using var cluster = await StartAsync(loadReports: true);
        await using var provider = CreateClient(cluster.Backends);
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        var answers = await SendAsync(http, 400);

        answers.Should().OnlyContain(s => s == HttpStatusCode.OK);
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("svc")!;
        snapshot.ScoreDescription.Should().StartWith("hot-cold rule").And.MatchRegex(@"with a load report [1-9]\d*", "the probes were answered by the middleware")
            .And.MatchRegex(@"reports from responses [1-9]\d*", "every response carries the report too");
        var slow = snapshot.Endpoints.Single(e => e.Address == cluster.Backends[^1].Address).TotalRequests;
        slow.Should().BeLessThan(400 / 8, "the server 10x slower gets well under its fair share (1/4) of the requests (it got {0})", slow);
    }

    [Fact]
    public async Task Prequal_WithoutLoadReports_SaysSo_AndStillServesEveryRequest()
    {
        await using var cluster = await StartAsync(loadReports: false);
        await using var provider = CreateClient(cluster.Backends);
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("svc");

        var answers = await SendAsync(http, 200);

        answers.Should().OnlyContain(s => s == HttpStatusCode.OK);
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("svc")!;
        snapshot.ScoreDescription.Should().StartWith("no load reports from the servers").And.Contain("UseBalancerLoadReports");
        snapshot.Endpoints.Should().OnlyContain(e => e.ScoreNote!.StartsWith("no fresh probe", StringComparison.Ordinal));
    }

    private static ServiceProvider CreateClient(IReadOnlyList<ScriptedBackend> backends)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBalancedHttpClient("svc", o =>
        {
            o.Selector = EndpointSelectorNames.Prequal;
            o.AddEndpoints(backends);
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Sends <paramref name="count"/> requests, 4 at a time.</summary>
    private static async Task<HttpStatusCode[]> SendAsync(HttpClient http, int count)
    {
        using var gate = new SemaphoreSlim(4);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await http.GetAsync(new Uri("http://svc/work"));
                return response.StatusCode;
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Four backends, the last ten times slower than the others.</summary>
    private static async Task<Cluster> StartAsync(bool loadReports)
    {
        var backends = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => ScriptedBackend.StartAsync(new BackendOptions
        {
            Name = $"b{i}",
            ConfigurePipeline = loadReports ? a => a.UseBalancerLoadReports() : null,
            Behavior = new BackendBehavior { MeanServiceTime = TimeSpan.FromMilliseconds(4), Capacity = 4, SlowdownFactor = i == 3 ? 10 : 1 },
        })));
        return new Cluster(backends);
    }

    private sealed class Cluster(ScriptedBackend[] backends) : IAsyncDisposable
    {
        public IReadOnlyList<ScriptedBackend> Backends => backends;

        public async ValueTask DisposeAsync()
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
