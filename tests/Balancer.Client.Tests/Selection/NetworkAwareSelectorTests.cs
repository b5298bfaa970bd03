using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class NetworkAwareSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_SameServerTime_PicksTheLowerRoundTrip()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        Measure(endpoints[0], rtt: 40, latency: 42);
        Measure(endpoints[1], rtt: 1, latency: 3);
        var selector = Create();

        for (var i = 0; i < 100; i++)
        {
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
        }
    }

    [Fact]
    public void Cost_IsRoundTripPlusDeviationPlusServerTimeTimesQueue()
    {
        var endpoint = _endpoints.Create(5000);
        Measure(endpoint, rtt: 20, latency: 30);
        endpoint.Stats.IncrementInFlight();
        endpoint.Stats.IncrementInFlight();

        var (rtt, deviation) = endpoint.Stats.Network.Read();
        var cost = NetworkAwareSelector.Cost(endpoint, _endpoints.Time.GetTimestamp(), out _);

        // The round trip is not multiplied by the queue: rtt + deviation + (30 − rtt) × (2 + 1).
        cost.Should().BeApproximately(rtt + deviation + ((0.030 - rtt) * 3), 1e-9);
        rtt.Should().BeApproximately(0.020, 1e-6);
    }

    [Fact]
    public void Select_QueueMultipliesServerTimeOnly_SoAFarIdleEndpointCanBeatABusyNearOne()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        Measure(endpoints[0], rtt: 20, latency: 21); // far, 1 ms of server time
        Measure(endpoints[1], rtt: 0.1, latency: 10); // near, 10 ms of server time
        var selector = Create();
        for (var i = 0; i < 5; i++)
        {
            endpoints[0].Stats.IncrementInFlight();
        }

        // Far: 20 + 1 × 6 = 26 ms; near idle: 0.1 + 9.9 = 10 ms.
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);

        // Near with 3 in flight: 0.1 + 9.9 × 4 ≈ 40 ms > 26 ms (peak EWMA alone would price the far one at 21 × 6 = 126 ms).
        for (var i = 0; i < 3; i++)
        {
            endpoints[1].Stats.IncrementInFlight();
        }

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }

    [Fact]
    public void Select_SameAverageRoundTrip_PrefersTheSteadyPath()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        foreach (var sample in new[] { 10.0, 10, 10, 10, 10, 10 })
        {
            endpoints[0].Stats.Network.Record(sample / 1000);
        }

        foreach (var sample in new[] { 10.0, 1, 19, 1, 19, 10 })
        {
            endpoints[1].Stats.Network.Record(sample / 1000);
        }

        var selector = Create();

        endpoints[1].Stats.Network.RoundTripDeviation.Should().BeGreaterThan(TimeSpan.FromMilliseconds(3));
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }

    [Fact]
    public void Select_FailedConnects_PriceTheEndpointOut()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        Measure(endpoints[0], rtt: 1, latency: 5);
        Measure(endpoints[1], rtt: 3, latency: 8);
        var selector = Create();
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);

        endpoints[0].Stats.Network.RecordFailure();
        endpoints[0].Stats.Network.RecordFailure();

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
    }

    [Fact]
    public void Select_NoMeasurementYet_FallsBackOnLatency()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(50));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(5));
        var selector = Create();

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
    }

    [Fact]
    public void Select_LocalZone_KeepsTrafficLocal_WhileItIsNotMuchCostlier()
    {
        var local = Zoned("a", 2);
        var remote = Zoned("b", 2);
        var endpoints = local.Concat(remote).ToArray();
        foreach (var e in local)
        {
            Measure(e, rtt: 2, latency: 8); // local is a little slower than remote...
        }

        foreach (var e in remote)
        {
            Measure(e, rtt: 0.5, latency: 5);
        }

        var selector = Create(o => o.LocalZone = "A");

        // ... but 8 ms < 2 × (5 ms + 10 ms penalty): every pick stays local (zones compare case-insensitively).
        Picks(selector, endpoints, 500).Should().OnlyContain(e => e.Zone == "a");
    }

    [Fact]
    public void Select_LocalMuchCostlierThanRemote_SpillsOver()
    {
        var local = Zoned("a", 2);
        var remote = Zoned("b", 2);
        var endpoints = local.Concat(remote).ToArray();
        foreach (var e in local)
        {
            Measure(e, rtt: 1, latency: 80);
        }

        foreach (var e in remote)
        {
            Measure(e, rtt: 1, latency: 5);
        }

        var selector = Create(o => o.LocalZone = "a");

        // Local at 80 ms counts no more than the client-wide average (42.5 ms) > 2 × (5 ms + 10 ms): it spills over.
        Picks(selector, endpoints, 200).Should().OnlyContain(e => e.Zone == "b");

        // A higher threshold keeps it local: 42.5 ms < 3 × 15 ms.
        selector.Configure(new NetworkAwareOptions { LocalZone = "a", SpilloverThreshold = 3 });
        Picks(selector, endpoints, 200).Should().OnlyContain(e => e.Zone == "a");
    }

    [Fact]
    public void Select_CrossZonePenalty_ScalesThePreference()
    {
        var local = Zoned("a", 1);
        var remote = Zoned("b", 1);
        var endpoints = local.Concat(remote).ToArray();
        Measure(local[0], rtt: 1, latency: 40);
        Measure(remote[0], rtt: 1, latency: 5);

        // Local counts at the client-wide average, 22.5 ms > 1 × (5 + 10): spills; with a 20 ms penalty, 22.5 < 1 × (5 + 20): stays.
        Create(o => { o.LocalZone = "a"; o.SpilloverThreshold = 1; }).Select(new SelectionContext(endpoints)).Should().BeSameAs(remote[0]);
        Create(o => { o.LocalZone = "a"; o.SpilloverThreshold = 1; o.CrossZonePenalty = TimeSpan.FromMilliseconds(20); })
            .Select(new SelectionContext(endpoints)).Should().BeSameAs(local[0]);
    }

    [Fact]
    public void Select_LatencyPeakOnEveryLocalEndpoint_DoesNotSendTheZoneAcross()
    {
        var local = Zoned("a", 2);
        var remote = Zoned("b", 2);
        var endpoints = local.Concat(remote).ToArray();
        foreach (var e in local)
        {
            for (var i = 0; i < 20; i++)
            {
                _endpoints.Record(e, TimeSpan.FromMilliseconds(5));
            }

            _endpoints.Record(e, TimeSpan.FromMilliseconds(200));
        }

        var selector = Create(o => o.LocalZone = "a");

        // Peak EWMA holds 200 ms for each local endpoint, but the zone decision counts it at the average (about 14 ms).
        local[0].Stats.LatencyEstimate.Should().Be(TimeSpan.FromMilliseconds(200));
        Picks(selector, endpoints, 200).Should().OnlyContain(e => e.Zone == "a");
    }

    [Fact]
    public void Select_LocalQueueMuchLongerThanRemote_SpillsOver()
    {
        var local = Zoned("a", 1);
        var remote = Zoned("b", 1);
        var endpoints = local.Concat(remote).ToArray();
        Measure(local[0], rtt: 1, latency: 5);
        Measure(remote[0], rtt: 1, latency: 5);
        var selector = Create(o => o.LocalZone = "a");
        for (var i = 0; i < 5; i++)
        {
            local[0].Stats.IncrementInFlight();
        }

        // 1 + 4 × 6 = 25 ms < 2 × (5 + 10): still local; with 6 more in flight, 1 + 4 × 12 = 49 ms > 30 ms: spills.
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(local[0]);
        for (var i = 0; i < 6; i++)
        {
            local[0].Stats.IncrementInFlight();
        }

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(remote[0]);
    }

    [Fact]
    public void Select_NoLocalEndpointEligible_UsesTheOthers()
    {
        var remote = Zoned("b", 3);
        var selector = Create(o => o.LocalZone = "a");

        Picks(selector, remote, 300).Distinct().Should().HaveCount(3);
    }

    [Fact]
    public void Select_WithoutLocalZone_ZonesDoNotMatter()
    {
        var endpoints = Zoned("a", 1).Concat(Zoned("b", 1)).ToArray();
        Measure(endpoints[0], rtt: 1, latency: 20);
        Measure(endpoints[1], rtt: 1, latency: 5);
        var selector = Create(o => o.SpilloverThreshold = 1000);

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
    }

    [Fact]
    public void Configure_NewLocalZone_AppliesToTheNextPick()
    {
        var endpoints = Zoned("a", 1).Concat(Zoned("b", 1)).ToArray();
        var selector = Create(o => o.LocalZone = "a");
        Picks(selector, endpoints, 50).Should().OnlyContain(e => e.Zone == "a");

        selector.Configure(new NetworkAwareOptions { LocalZone = "b" });

        Picks(selector, endpoints, 50).Should().OnlyContain(e => e.Zone == "b");
    }

    [Fact]
    public void LocalZone_NotConfigured_ComesFromTheEnvironmentVariable()
    {
        var options = new NetworkAwareOptions();
        string? Environment(string name) => name == "BALANCER_ZONE" ? " eu-1a " : null;

        options.ResolveLocalZone(Environment).Should().Be("eu-1a");
        options.ResolveLocalZone(_ => null).Should().BeNull();
        options.ResolveLocalZone(_ => "  ").Should().BeNull();

        options.LocalZone = "us-2b";
        options.ResolveLocalZone(Environment).Should().Be("us-2b", "the option wins over the environment");
    }

    [Fact]
    public void Select_Retry_LeavesTheSnapshotCacheAlone()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var selector = Create();
        selector.Select(new SelectionContext(endpoints));
        BalancerEndpoint[] retry = [endpoints[1], endpoints[2]];

        selector.Select(new SelectionContext(retry, triedEndpoints: [endpoints[0]], pool: endpoints)).Should().NotBeSameAs(endpoints[0]);
        selector.Select(new SelectionContext(endpoints)).Should().NotBeNull();
    }

    [Fact]
    public void Select_Empty_ReturnsNull() =>
        Create().Select(new SelectionContext([])).Should().BeNull();

    [Theory]
    [InlineData(null)]
    [InlineData("a")]
    public void Select_SteadyState_AllocatesNothing(string? localZone)
    {
        var endpoints = Zoned("a", 4).Concat(Zoned("b", 4)).ToArray();
        foreach (var e in endpoints)
        {
            Measure(e, rtt: 1, latency: 5);
        }

        var selector = Create(o => o.LocalZone = localZone);
        var context = new SelectionContext(endpoints);
        selector.Select(context);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            selector.Select(context);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    private NetworkAwareSelector Create(Action<NetworkAwareOptions>? configure = null)
    {
        var options = new NetworkAwareOptions();
        configure?.Invoke(options);
        return new NetworkAwareSelector(RandomSource.Create(7), _endpoints.Time, options);
    }

    private BalancerEndpoint[] Zoned(string zone, int count) =>
        [.. Enumerable.Range(0, count).Select(i => _endpoints.Create(6000 + (zone[0] * 10) + i, zone: zone))];

    private void Measure(BalancerEndpoint endpoint, double rtt, double latency)
    {
        for (var i = 0; i < 20; i++)
        {
            endpoint.Stats.Network.Record(rtt / 1000);
        }

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(latency));
    }

    private static List<BalancerEndpoint> Picks(NetworkAwareSelector selector, IReadOnlyList<BalancerEndpoint> endpoints, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => selector.Select(new SelectionContext(endpoints))!)];
}
