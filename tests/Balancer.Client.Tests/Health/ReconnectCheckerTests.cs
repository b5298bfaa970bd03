using System.Net;
using System.Net.Sockets;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Health;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Tests.Health;

public sealed class ReconnectCheckerTests
{
    private static readonly TimeSpan s_signalTimeout = TimeSpan.FromSeconds(15);
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Backoff_Defaults_GrowBy1Point6FromOneSecondUpTo120_WithTwentyPercentJitter()
    {
        var options = new ConnectionFailureOptions();

        var middle = Enumerable.Range(0, 14).Select(a => Math.Round(ReconnectChecker.Backoff(a, options, 0.5).TotalSeconds, 3)).ToList();

        middle.Should().Equal(1, 1.6, 2.56, 4.096, 6.554, 10.486, 16.777, 26.844, 42.95, 68.719, 109.951, 120, 120, 120);
        ReconnectChecker.Backoff(0, options, 0).Should().Be(TimeSpan.FromSeconds(0.8));
        ReconnectChecker.Backoff(0, options, 1).Should().Be(TimeSpan.FromSeconds(1.2));
        ReconnectChecker.Backoff(50, options, 1).Should().Be(TimeSpan.FromSeconds(144), "the cap applies before jitter");
        ReconnectChecker.Backoff(5000, options, 0.5).Should().Be(TimeSpan.FromSeconds(120), "no overflow however long it stays down");
    }

    [Fact]
    public async Task Watch_ClosedPort_ChecksOnTheBackoffSchedule_UntilItListens_ThenReturnsTheEndpoint()
    {
        var port = ClosedPort();
        var (monitor, set, checker) = Create(port);
        using var _ = checker;
        var endpoint = set.Endpoints[0];
        endpoint.Health.TryMarkUnreachable(Now).Should().BeTrue();

        checker.Watch(endpoint);
        checker.Watch(endpoint);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(0.79));
        await Task.Delay(100);
        checker.ChecksMade.Should().Be(0, "no check before the initial backoff less its jitter");

        _endpoints.Time.Advance(TimeSpan.FromSeconds(0.42)); // 1.21 s: past the first delay however it was jittered
        await WaitAsync(() => checker.WaitsStarted == 2); // the first check failed and the second delay runs
        checker.ChecksMade.Should().Be(1, "one loop per endpoint, however often it is watched");
        endpoint.Health.IsUnreachable.Should().BeTrue("the port is closed");

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        _endpoints.Time.Advance(TimeSpan.FromSeconds(1.27)); // second delay: 1.6 s ± 20 %, so at least 1.28 s
        await Task.Delay(100);
        checker.ChecksMade.Should().Be(1, "the second check waits 1.6 s ± 20 %");

        _endpoints.Time.Advance(TimeSpan.FromSeconds(0.66)); // 1.93 s since the first check: past 1.92 s
        await WaitAsync(() => !endpoint.Health.IsUnreachable);
        checker.ChecksMade.Should().Be(2);
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(endpoint);
        await WaitAsync(() => checker.Watched.Count == 0);
    }

    [Fact]
    public async Task Retain_EndpointLeftTheSet_StopsItsChecks()
    {
        var (_, set, checker) = Create(ClosedPort());
        using var _ = checker;
        var endpoint = set.Endpoints[0];
        endpoint.Health.TryMarkUnreachable(Now);
        checker.Watch(endpoint);
        checker.Watched.Should().ContainSingle();

        checker.Retain(new EndpointSet([_endpoints.Create(ClosedPort())], 2));

        checker.Watched.Should().BeEmpty("no loop is kept for an endpoint that went away");
        _endpoints.Time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        checker.ChecksMade.Should().Be(0);
    }

    [Fact]
    public async Task Dispose_StopsEveryCheck_AndWatchAfterwardsStartsNone()
    {
        var (_, set, checker) = Create(ClosedPort());
        var endpoint = set.Endpoints[0];
        endpoint.Health.TryMarkUnreachable(Now);
        checker.Watch(endpoint);

        checker.Dispose();
        checker.Watch(endpoint);
        checker.Verify(endpoint);

        checker.Watched.Should().BeEmpty();
        _endpoints.Time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        checker.ChecksMade.Should().Be(0);
    }

    [Fact]
    public async Task Verify_ClosedPort_TakesTheEndpointOut_AndStartsTheReconnectChecks()
    {
        var (monitor, set, checker) = Create(ClosedPort(), ClosedPort(), ClosedPort());
        using var _ = checker;
        var endpoint = set.Endpoints[1];

        checker.Verify(endpoint);

        await WaitAsync(() => endpoint.Health.IsUnreachable);
        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(endpoint);
        await WaitAsync(() => checker.Watched.Contains(endpoint.Key));
    }

    [Fact]
    public async Task Verify_ListeningPort_LeavesTheEndpointIn()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var (monitor, set, checker) = Create(((IPEndPoint)listener.LocalEndpoint).Port, ClosedPort(), ClosedPort());
        using var _ = checker;
        var endpoint = set.Endpoints[0];

        checker.Verify(endpoint);

        await WaitAsync(() => checker.ChecksMade == 1);
        using var accepted = await listener.AcceptSocketAsync().WaitAsync(s_signalTimeout);
        await Task.Delay(100);
        endpoint.Health.IsUnreachable.Should().BeFalse();
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(endpoint);
    }

    private long Now => _endpoints.Time.GetTimestamp();

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(s_signalTimeout);
        while (!condition())
        {
            await Task.Delay(10, limit.Token);
        }
    }

    private (HealthMonitor Monitor, EndpointSet Set, ReconnectChecker Checker) Create(params int[] ports)
    {
        var monitor = new HealthMonitor("catalog", _endpoints.Settings, new BalancerMetrics(null), NullLogger.Instance)
        {
            Options = new HealthOptions { OutlierDetection = { MaxEjectionPercent = 1 } },
        };
        var set = new EndpointSet([.. ports.Select(p => _endpoints.Create(p))], 1);
        var checker = new ReconnectChecker(monitor, () => set, _endpoints.Time);
        monitor.Unreachable = checker.Watch;
        return (monitor, set, checker);
    }
}
