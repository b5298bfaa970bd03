using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class LeastLatencySelectorTests
{
    private readonly TestEndpoints _endpoints = new();
    private readonly HashSet<BalancerEndpoint> _warm = [];

    [Fact]
    public void Select_FirstAnswerOfAnEndpoint_IsLeftOutOfItsMean()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(900)); // a cold connection
        var now = _endpoints.Time.GetTimestamp();

        endpoints[0].Stats.GetMeanLatency(now).Should().Be(endpoints[1].Stats.GetMeanLatency(now), "both are still unknown");
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(10));
        endpoints[0].Stats.GetMeanLatency(_endpoints.Time.GetTimestamp()).Should().BeApproximately(0.010, 1e-9);
    }

    /// <summary>Records a completed request, after the warm-up answer the mean leaves out when the endpoint is new.</summary>
    private void Record(BalancerEndpoint endpoint, TimeSpan latency, bool failure = false)
    {
        if (_warm.Add(endpoint))
        {
            _endpoints.Record(endpoint, latency, failure);
        }

        _endpoints.Record(endpoint, latency, failure);
    }

    [Fact]
    public void Select_SmallPool_ComparesEveryEndpoint_SoTheFastestAlwaysWins()
    {
        // Two random candidates out of 16 miss the only fast endpoint 7/8 of the time; a full scan never does.
        var endpoints = _endpoints.WithWeights([.. Enumerable.Repeat(1, 16)]);
        for (var i = 0; i < endpoints.Length; i++)
        {
            Record(endpoints[i], TimeSpan.FromMilliseconds(i == 11 ? 5 : 50));
        }

        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);

        for (var i = 0; i < 200; i++)
        {
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[11]);
        }
    }

    [Fact]
    public void Select_EqualEndpoints_SpreadsPicks()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);

        var counts = Enumerable.Range(0, 4000).Select(_ => selector.Select(new SelectionContext(endpoints))).GroupBy(e => e).ToDictionary(g => g.Key!, g => g.Count());

        counts.Should().HaveCount(4);
        counts.Values.Should().OnlyContain(c => c > 800, "ties are broken at random, about 1,000 each");
    }

    [Fact]
    public void Select_InFlightWeighsLessWhereTheEndpointUsuallyServesMoreAtOnce()
    {
        // Both answer in 10 ms; a has served 100 requests a second (about one at a time), b 10 a second.
        var endpoints = _endpoints.WithWeights(1, 1);
        for (var i = 0; i < 100; i++)
        {
            Record(endpoints[0], TimeSpan.FromMilliseconds(10));
            if (i % 10 == 0)
            {
                Record(endpoints[1], TimeSpan.FromMilliseconds(10));
            }

            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var now = _endpoints.Time.GetTimestamp();
        var typicalA = endpoints[0].Stats.GetTypicalInFlight(now);
        var typicalB = endpoints[1].Stats.GetTypicalInFlight(now);
        typicalA.Should().BeGreaterThan(5 * typicalB, "Little's law: throughput × latency");

        // One request in flight on each: it is a's usual load, but more than b usually carries.
        endpoints[0].Stats.IncrementInFlight();
        endpoints[1].Stats.IncrementInFlight();
        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
        LeastLatencySelector.Cost(endpoints[0], now).Should().BeLessThan(LeastLatencySelector.Cost(endpoints[1], now));
    }

    [Fact]
    public void Select_WeightDividesCost()
    {
        var endpoints = _endpoints.WithWeights(4, 1);
        Record(endpoints[0], TimeSpan.FromMilliseconds(30));
        Record(endpoints[1], TimeSpan.FromMilliseconds(10));
        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0], "30 / 4 = 7.5 < 10 / 1");
    }

    [Fact]
    public void Select_SlowEndpointLeftAlone_IsTriedAgainAsItsRecordAges()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        Record(endpoints[0], TimeSpan.FromMilliseconds(400));
        Record(endpoints[1], TimeSpan.FromMilliseconds(20));
        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);

        // b keeps answering in 20 ms; a gets nothing. Its record returns towards the prior (about 20 ms) by e^(-age/τ),
        // τ = 10 s: after half a minute, b carrying one request more than it usually does is enough to try a again.
        for (var i = 0; i < 1200; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(50));
            Record(endpoints[1], TimeSpan.FromMilliseconds(20));
        }

        endpoints[1].Stats.IncrementInFlight();
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }

    [Fact]
    public void Select_RecordOlderThanHalfTheDecayTime_GetsAShareOfPicksToRefreshIt()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        Record(endpoints[0], TimeSpan.FromMilliseconds(800)); // looked bad once (a burst of timeouts)
        Record(endpoints[1], TimeSpan.FromMilliseconds(20));
        Record(endpoints[2], TimeSpan.FromMilliseconds(20));
        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);

        int Picks(int count, bool keepInFlight)
        {
            var refreshed = 0;
            for (var i = 0; i < count; i++)
            {
                var picked = selector.Select(new SelectionContext(endpoints))!;
                if (picked != endpoints[0])
                {
                    Record(picked, TimeSpan.FromMilliseconds(20));
                    continue;
                }

                refreshed++;
                if (keepInFlight)
                {
                    picked.Stats.IncrementInFlight(); // the refresh is still in flight: no second one
                }
                else
                {
                    Record(picked, TimeSpan.FromMilliseconds(800));
                }
            }

            return refreshed;
        }

        // τ = 10 s: until endpoint 0's record is 5 s old it is priced out, however many picks.
        _endpoints.Time.Advance(TimeSpan.FromSeconds(4.9));
        Picks(20_000, keepInFlight: false).Should().Be(0, "a record younger than τ ÷ 2 is not stale");

        _endpoints.Time.Advance(TimeSpan.FromSeconds(0.2));
        Picks(20_000, keepInFlight: true).Should().Be(1, "1 pick in 2,000 refreshes a stale record, and none while the refresh is in flight");

        // It answered slowly again: its record is fresh, and it is left alone once more.
        endpoints[0].Stats.DecrementInFlight();
        Record(endpoints[0], TimeSpan.FromMilliseconds(800));
        Picks(20_000, keepInFlight: false).Should().Be(0);

        // Stale again 5 s later: one refresh, whose answer makes the record fresh again.
        _endpoints.Time.Advance(TimeSpan.FromSeconds(5.1));
        Picks(20_000, keepInFlight: false).Should().Be(1, "the refresh's answer renews the record");
    }

    [Fact]
    public void Select_FailingEndpoint_IsPricedOut()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        Record(endpoints[0], TimeSpan.FromMilliseconds(10));
        Record(endpoints[1], TimeSpan.FromMilliseconds(30));
        for (var i = 0; i < 3; i++)
        {
            Record(endpoints[0], TimeSpan.FromMilliseconds(1), failure: true);
        }

        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1], "a failure is never evidence of speed, and three in a row multiply the cost by 8 at least");
    }

    [Fact]
    public void Select_LargePool_KeepsThePreviousWinnerAsACandidate_UntilItsCostRises()
    {
        // 100 endpoints, one of them 20x faster. Two random candidates alone would find it in 2 % of the picks; once
        // found, the previous winner is compared in every pick, so it keeps them while it is the cheapest.
        var endpoints = _endpoints.WithWeights([.. Enumerable.Repeat(1, 100)]);
        for (var i = 0; i < endpoints.Length; i++)
        {
            Record(endpoints[i], TimeSpan.FromMilliseconds(i == 37 ? 1 : 20));
        }

        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);
        var picks = Enumerable.Range(0, 2000).Select(_ => selector.Select(new SelectionContext(endpoints))).ToList();

        var found = picks.IndexOf(endpoints[37]);
        found.Should().BeInRange(0, 500, "two random candidates per pick find it in about 50 picks");
        picks.Skip(found).Should().OnlyContain(e => e == endpoints[37], "the winner stays a candidate");

        // 40 of this client's requests in flight there, where it usually holds about none: 1 ms × 41 costs more than 20 ms.
        for (var i = 0; i < 40; i++)
        {
            endpoints[37].Stats.IncrementInFlight();
        }

        var later = Enumerable.Range(0, 200).Select(_ => selector.Select(new SelectionContext(endpoints))).ToList();
        later.Should().NotContain(endpoints[37], "a winner whose cost rose loses to the fresh candidates");
        later.Distinct().Count().Should().BeGreaterThan(20, "candidates are drawn at random from the whole pool");
    }

    [Fact]
    public void Select_LargePool_RespectsWeights()
    {
        // 100 endpoints with equal records, one of weight 50. Every pick leaves a request in flight on its endpoint, so
        // costs rise as picks land: cost ÷ weight gives the weight-50 endpoint about 50 ÷ 149 = 34 % of the picks.
        var weights = Enumerable.Range(0, 100).Select(i => i == 0 ? 50 : 1).ToArray();
        var endpoints = _endpoints.WithWeights(weights);
        foreach (var endpoint in endpoints)
        {
            Record(endpoint, TimeSpan.FromMilliseconds(10));
        }

        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);
        var picks = Enumerable.Range(0, 3000).Select(_ =>
        {
            var picked = selector.Select(new SelectionContext(endpoints))!;
            picked.Stats.IncrementInFlight();
            return picked;
        }).ToList();

        picks.Count(e => e == endpoints[0]).Should().BeInRange(700, 1300);
        picks.Distinct().Count().Should().Be(100, "every endpoint gets picks once the others are as loaded for their weight");
    }

    [Fact]
    public void Select_EmptyOrSingle()
    {
        var selector = new LeastLatencySelector(RandomSource.Create(1), _endpoints.Time);
        var one = _endpoints.WithWeights(1);

        selector.Select(new SelectionContext([])).Should().BeNull();
        selector.Select(new SelectionContext(one)).Should().BeSameAs(one[0]);
    }
}
