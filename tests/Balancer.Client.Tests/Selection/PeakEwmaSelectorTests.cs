using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class PeakEwmaSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_TwoEndpoints_PicksTheLowerLatency()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(50));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(5));
        var selector = new PeakEwmaSelector(RandomSource.Create(1), _endpoints.Time);

        for (var i = 0; i < 100; i++)
        {
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
        }
    }

    [Fact]
    public void Select_CostIsLatencyTimesInFlightPlusOne()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(10));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(30));
        var selector = new PeakEwmaSelector(RandomSource.Create(1), _endpoints.Time);

        // 10 ms × (3 + 1) = 40 > 30 ms × (0 + 1): the slower but idle endpoint wins.
        for (var i = 0; i < 3; i++)
        {
            endpoints[0].Stats.IncrementInFlight();
        }

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);

        // 10 ms × 2 = 20 < 30: the fast one wins again.
        endpoints[0].Stats.DecrementInFlight();
        endpoints[0].Stats.DecrementInFlight();
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }

    [Fact]
    public void Select_WeightDividesCost()
    {
        var endpoints = _endpoints.WithWeights(4, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(30));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(10));
        var selector = new PeakEwmaSelector(RandomSource.Create(1), _endpoints.Time);

        // 30 / 4 = 7.5 < 10 / 1.
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }

    [Fact]
    public void Select_EndpointWithoutSamples_IsExploredNotStarvedNorFlooded()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(10));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(30));
        var selector = new PeakEwmaSelector(RandomSource.Create(4), _endpoints.Time);

        // The prior is the client-wide average (between 10 and 30 ms): the new endpoint beats the slow one, loses to the fast one.
        var fresh = endpoints[2];
        fresh.Stats.LatencyEstimate.Should().BeGreaterThan(TimeSpan.FromMilliseconds(10)).And.BeLessThan(TimeSpan.FromMilliseconds(30));
        var picks = Enumerable.Range(0, 3000).Select(_ => selector.Select(new SelectionContext(endpoints))).ToList();
        var freshShare = picks.Count(p => p == fresh) / 3000.0;
        freshShare.Should().BeInRange(0.2, 0.45);
        picks.Count(p => p == endpoints[0]).Should().BeGreaterThan(picks.Count(p => p == fresh));
    }

    [Fact]
    public void Select_SlowEndpointIdleForLong_IsTriedAgain()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(100));
        var selector = new PeakEwmaSelector(RandomSource.Create(2), _endpoints.Time);

        // The fast endpoint keeps getting fresh samples; the slow one's estimate decays towards zero.
        for (var second = 0; second < 30; second++)
        {
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
            _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(10));
        }

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0], "after 3τ the 100 ms estimate decayed below 10 ms");
    }
}
