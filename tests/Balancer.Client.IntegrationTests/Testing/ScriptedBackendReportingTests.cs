using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.IntegrationTests.Testing;

/// <summary>The ORCA load report, the configurable fast-failure status and the health-check answer of a scripted backend.</summary>
public sealed class ScriptedBackendReportingTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(20) };

    [Fact]
    public async Task ReportLoad_Off_NoLoadHeader()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "quiet" });

        using var response = await s_http.GetAsync(backend.Address);

        response.Headers.Contains(BackendHeaders.LoadMetrics).Should().BeFalse();
    }

    [Fact]
    public async Task ReportLoad_FixedValues_EveryResponseCarriesThem()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "fixed" });
        backend.Behavior.ReportLoad = true;
        backend.Behavior.ReportedUtilization = 0.9;
        backend.Behavior.ReportedRps = 120.5;

        using var ok = await s_http.GetAsync(backend.Address);
        backend.Behavior.FailureRate = 1;
        using var failed = await s_http.GetAsync(backend.Address);

        ok.Headers.GetValues(BackendHeaders.LoadMetrics).Single().Should().StartWith("TEXT cpu_utilization=0.9, rps_fractional=120.5, eps=");
        failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        failed.Headers.GetValues(BackendHeaders.LoadMetrics).Single().Should().StartWith("TEXT cpu_utilization=0.9, rps_fractional=120.5, eps=");
    }

    [Fact]
    public async Task ReportLoad_LiveValues_UtilizationInServiceOverCapacity_RatesMeasured()
    {
        // On a fake clock the rates do not decay, so each request or error adds exactly 1/s (time constant 1 s).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "live", TimeProvider = time });
        backend.Behavior.ReportLoad = true;
        backend.Behavior.Capacity = 4;
        backend.Behavior.Distribution = ServiceTimeDistribution.Constant;
        backend.Behavior.MeanServiceTime = TimeSpan.FromSeconds(10);

        // One request held in service (its service time runs on the fake clock), then a quick one answered meanwhile.
        var held = s_http.GetAsync(backend.Address);
        await backend.WaitForRequestsAsync(1).WaitAsync(TimeSpan.FromSeconds(15));
        for (var i = 0; i < 3000 && backend.InService == 0; i++)
        {
            await Task.Delay(5);
        }

        backend.InService.Should().Be(1);

        backend.Behavior.MeanServiceTime = TimeSpan.Zero;
        using (var quick = await s_http.GetAsync(backend.Address))
        {
            quick.Headers.GetValues(BackendHeaders.LoadMetrics).Single().Should().Be("TEXT cpu_utilization=0.25, rps_fractional=2, eps=0");
        }

        backend.Behavior.FailureRate = 1;
        using (var failed = await s_http.GetAsync(backend.Address))
        {
            failed.Headers.GetValues(BackendHeaders.LoadMetrics).Single().Should().Be("TEXT cpu_utilization=0.25, rps_fractional=3, eps=1");
        }

        time.Advance(TimeSpan.FromSeconds(10));
        using var first = await held.WaitAsync(TimeSpan.FromSeconds(15));
        first.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task FailureStatusCode_429WithRetryAfter_AnsweredAsScripted()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "shedding" });
        backend.Behavior.FailureRate = 1;
        backend.Behavior.FailureStatusCode = 429;
        backend.Behavior.RetryAfter = TimeSpan.FromMilliseconds(1500);

        using var response = await s_http.GetAsync(backend.Address);

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2), "sent in whole seconds, rounded up");
        var act = () => backend.Behavior.FailureStatusCode = 200;
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task HealthPath_AnsweredWithHealthStatusCode_CountedApartFromRequests()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "probed" });
        backend.Behavior.BlackHole = true; // health checks are answered whatever the fault settings

        using (var healthy = await s_http.GetAsync(new Uri(backend.Address, "/health")))
        {
            healthy.StatusCode.Should().Be(HttpStatusCode.OK);
            healthy.BackendName().Should().Be("probed");
        }

        backend.Behavior.HealthStatusCode = 503;
        using (var sick = await s_http.GetAsync(new Uri(backend.Address, "/health")))
        {
            sick.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        using (var head = new HttpRequestMessage(HttpMethod.Head, new Uri(backend.Address, "/health")))
        using (var headResponse = await s_http.SendAsync(head))
        {
            headResponse.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        backend.HealthChecksReceived.Should().Be(3);
        backend.RequestsReceived.Should().Be(0);
        backend.Received.Should().BeEmpty();
        await backend.WaitForHealthChecksAsync(3).WaitAsync(TimeSpan.FromSeconds(1));

        backend.ResetCounters();
        backend.HealthChecksReceived.Should().Be(0);
    }
}
