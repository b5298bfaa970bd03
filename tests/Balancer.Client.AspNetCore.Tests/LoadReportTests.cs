using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.AspNetCore.Tests;

/// <summary>UseBalancerLoadReports on a real Kestrel server: requests in flight, latency, the probe path.</summary>
public sealed class LoadReportTests
{
    private const string Probe = "/.well-known/balancer/load";

    [Fact]
    public async Task RequestsInFlight_RiseWithHeldRequests_AndReturnToZero()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new SemaphoreSlim(0);
        await using var app = await StartAsync(a => a.Map("/hold", async () =>
        {
            arrived.Release();
            await release.Task;
            return "held";
        }));

        var held = Enumerable.Range(0, 3).Select(_ => app.Http.GetAsync("/hold")).ToArray();
        for (var i = 0; i < 3; i++)
        {
            (await arrived.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue();
        }

        Metric(await app.Http.GetAsync(Probe), "rif").Should().Be(3, "three requests are held and the probe is not counted");
        release.SetResult();
        foreach (var response in await Task.WhenAll(held))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            Metric(response, "rif").Should().BeInRange(1, 3, "written at response start, while the request is in flight");
        }

        Metric(await app.Http.GetAsync(Probe), "rif").Should().Be(0);
    }

    [Fact]
    public async Task Latency_FollowsTheServersDelay()
    {
        await using var app = await StartAsync(a => a.Map("/slow", async () =>
        {
            await Task.Delay(200);
            return "slow";
        }));

        (await app.Http.GetAsync(Probe)).Headers.GetValues("endpoint-load-metrics").Single().Should().NotContain("latency_ms", "no request completed yet");
        for (var i = 0; i < 5; i++)
        {
            (await app.Http.GetAsync("/slow")).EnsureSuccessStatusCode();
        }

        var probe = await app.Http.GetAsync(Probe);
        Metric(probe, "latency_ms").Should().BeGreaterThanOrEqualTo(150).And.BeLessThan(30_000);
        Metric(probe, "rif_mean").Should().Be(1, "each request, sent one at a time, found itself only");
    }

    [Fact]
    public async Task ProbePath_AnsweredByTheMiddleware_WithoutThePipeline()
    {
        var reached = 0;
        await using var app = await StartAsync(
            a =>
            {
                a.Use(async (context, next) =>
                {
                    Interlocked.Increment(ref reached);
                    await next(context);
                });
                a.Map("/", () => "root");
            },
            o => o.ProbePath = "/load");

        var probe = await app.Http.GetAsync("/load");
        probe.StatusCode.Should().Be(HttpStatusCode.OK);
        Metric(probe, "rif").Should().Be(0);
        reached.Should().Be(0, "the probe does not run the rest of the pipeline");
        (await app.Http.GetAsync("/")).EnsureSuccessStatusCode();
        reached.Should().Be(1);
    }

    [Fact]
    public async Task ScriptedBackend_WithTheMiddleware_ReportsLoad_AndProbesAreNotRequests()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { ConfigurePipeline = a => a.UseBalancerLoadReports() });
        using var http = new HttpClient { BaseAddress = backend.Address, Timeout = TimeSpan.FromSeconds(30) };

        Metric(await http.GetAsync("/work"), "rif").Should().Be(1);
        Metric(await http.GetAsync(Probe), "rif").Should().Be(0);
        backend.RequestsReceived.Should().Be(1, "the probe never reaches the scripted handler");
    }

    [Theory]
    [InlineData("load")]
    [InlineData("")]
    public void ProbePath_NotStartingWithSlash_IsRejected(string path)
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        var act = () => app.UseBalancerLoadReports(o => o.ProbePath = path);
        act.Should().Throw<ArgumentException>().WithMessage($"*ProbePath must start with '/'*'{path}'*");
    }

    private static double Metric(HttpResponseMessage response, string name)
    {
        var header = response.Headers.GetValues("endpoint-load-metrics").Single();
        header.Should().StartWith("TEXT ");
        foreach (var pair in header[5..].Split(','))
        {
            var parts = pair.Trim().Split('=');
            if (parts[0] == "named_metrics." + name)
            {
                return double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"No {name} in '{header}'.");
    }

    private static async Task<LoadApp> StartAsync(Action<WebApplication> map, Action<BalancerLoadReportOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseBalancerLoadReports(configure);
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoadApp(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
    }

    private sealed record LoadApp(WebApplication App, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
