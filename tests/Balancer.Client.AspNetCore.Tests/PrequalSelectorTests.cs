using System.Net;
using System.Runtime.CompilerServices;
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

    [Fact]
    public async Task Prequal_WithoutLoadReports_BacksOffItsProbes_AndResumesWhenTheServersReport()
    {
        // The servers answer the probe path like any other request (no middleware there) until `reporting` is set; then
        // UseBalancerLoadReports answers it. Every probe that reaches a server is counted.
        var probePath = new PrequalOptions().ProbePath;
        var reporting = new StrongBox<bool>(false);
        var probes = new StrongBox<int>(0);
        await using var cluster = await StartAsync(app =>
        {
            app.Use((context, next) =>
            {
                if (context.Request.Path == probePath)
                {
                    Interlocked.Increment(ref probes.Value);
                }

                return next(context);
            });
            app.UseWhen(_ => Volatile.Read(ref reporting.Value), b => b.UseBalancerLoadReports());
        });
        await using var provider = CreateClient(cluster.Backends);
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("svc");
        var inspector = provider.GetRequiredService<IBalancerInspector>();

        // One probe per request by default: 400 without reports would be about 400 probes.
        (await SendAsync(http, 400)).Should().OnlyContain(s => s == HttpStatusCode.OK);

        var unreported = Volatile.Read(ref probes.Value);
        unreported.Should().BeInRange(16, 60, "after 16 answers without a report it sends one probe a second, then fewer");
        inspector.GetSnapshot("svc")!.ScoreDescription.Should().StartWith("no load reports from the servers").And.Contain("probing backed off");

        // The servers start reporting: the next probe that is due (at most a few seconds away) gets a report, and the
        // prober is back at one probe per request.
        Volatile.Write(ref reporting.Value, true);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (inspector.GetSnapshot("svc")!.ScoreDescription!.Contains("backed off", StringComparison.Ordinal))
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "a probe is due within the back-off interval (16 s at most)");
            (await SendAsync(http, 20)).Should().OnlyContain(s => s == HttpStatusCode.OK);
        }

        var resumed = Volatile.Read(ref probes.Value);
        (await SendAsync(http, 200)).Should().OnlyContain(s => s == HttpStatusCode.OK);
        var sent = Volatile.Read(ref probes.Value) - resumed;
        sent.Should().BeGreaterThan(100, "probing is back at the configured rate (1 per request; the prober drops what exceeds 8 in flight)");
        inspector.GetSnapshot("svc")!.ScoreDescription.Should().StartWith("hot-cold rule");
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
    private static Task<Cluster> StartAsync(bool loadReports) => StartAsync(loadReports ? a => a.UseBalancerLoadReports() : null);

    /// <summary>Four backends, the last ten times slower than the others, each with <paramref name="configure"/> before its scripted handler.</summary>
    private static async Task<Cluster> StartAsync(Action<IApplicationBuilder>? configure)
    {
        var backends = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => ScriptedBackend.StartAsync(new BackendOptions
        {
            Name = $"b{i}",
            ConfigurePipeline = configure,
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
