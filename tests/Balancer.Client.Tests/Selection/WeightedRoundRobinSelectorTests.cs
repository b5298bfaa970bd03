using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class WeightedRoundRobinSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_NoReports_IsPlainRoundRobin()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var selector = Create();

        var counts = Count(selector, endpoints, 300);

        counts.Values.Should().AllSatisfy(c => c.Should().Be(100));
    }

    [Fact]
    public void Select_AfterBlackout_SharesFollowReportedCapacity()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        var selector = Create();

        // Same rps; utilization 0.9 vs 0.3: weights 100/0.9 and 100/0.3, a 1:3 split.
        for (var second = 0; second <= 12; second++)
        {
            Report(endpoints[0], rps: 100, utilization: 0.9);
            Report(endpoints[1], rps: 100, utilization: 0.3);
            if (second < 12)
            {
                _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var counts = Count(selector, endpoints, 4000);

        ((double)counts[endpoints[1]] / counts[endpoints[0]]).Should().BeApproximately(3, 0.1);
    }

    [Fact]
    public void Select_DuringBlackout_IgnoresReports()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        var selector = Create();
        Report(endpoints[0], rps: 100, utilization: 0.9);
        Report(endpoints[1], rps: 100, utilization: 0.1);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(5));

        var counts = Count(selector, endpoints, 1000);

        counts[endpoints[0]].Should().Be(500);
    }

    [Fact]
    public void Select_ExpiredReports_FallBackToTheMean()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var selector = Create();
        ReportEverySecond(endpoints, seconds: 12);

        Count(selector, endpoints, 3000)[endpoints[0]].Should().BeGreaterThan(1500);

        // endpoint 0 stops reporting; three minutes later its weight has expired and it gets the mean of the others.
        SilenceFirstFor181Seconds(endpoints);

        Count(selector, endpoints, 3000)[endpoints[0]].Should().BeCloseTo(1000, 20);
    }

    [Fact]
    public void Select_ReportsAfterExpiry_StartANewBlackout_WithoutTheSelectorChangingTheStats()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var selector = Create();
        ReportEverySecond(endpoints, seconds: 12);

        Count(selector, endpoints, 3000)[endpoints[0]].Should().BeGreaterThan(1500);
        var runStart = endpoints[0].Stats.LoadNonEmptySince;

        // Endpoint 0 is silent for more than the three-minute expiry, while the others keep reporting.
        SilenceFirstFor181Seconds(endpoints);

        Count(selector, endpoints, 3000)[endpoints[0]].Should().BeCloseTo(1000, 20, "its weight expired: the mean of the others");
        endpoints[0].Stats.LoadNonEmptySince.Should().Be(runStart, "picking reads the statistics and never writes them");

        // It reports again: a new run, so its reports wait out a new blackout (10 s) before they count.
        ReportEverySecond(endpoints, seconds: 5);

        endpoints[0].Stats.LoadNonEmptySince.Should().BeGreaterThan(runStart);
        Count(selector, endpoints, 3000)[endpoints[0]].Should().BeCloseTo(1000, 20, "5 s into the new run, still in its blackout");
    }

    /// <summary>Each second: endpoint 0 reports utilization 0.2, the others 0.8, all at 100 rps.</summary>
    private void ReportEverySecond(BalancerEndpoint[] endpoints, int seconds)
    {
        for (var second = 0; second < seconds; second++)
        {
            Report(endpoints[0], rps: 100, utilization: 0.2);
            Report(endpoints[1], rps: 100, utilization: 0.8);
            Report(endpoints[2], rps: 100, utilization: 0.8);
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Endpoint 0 stops reporting for 181 s, past the three-minute expiry; the others keep reporting.</summary>
    private void SilenceFirstFor181Seconds(BalancerEndpoint[] endpoints)
    {
        for (var second = 0; second < 181; second++)
        {
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
            Report(endpoints[1], rps: 100, utilization: 0.8);
            Report(endpoints[2], rps: 100, utilization: 0.8);
        }
    }

    private WeightedRoundRobinSelector Create() =>
        new(RandomSource.Create(1), _endpoints.Time, new WeightedRoundRobinOptions());

    private void Report(BalancerEndpoint endpoint, double rps, double utilization) =>
        endpoint.Stats.RecordServerLoad(
            new ServerLoadReport(utilization, 0, 0, rps, 0, new Dictionary<string, double>(), _endpoints.Time.GetUtcNow()),
            _endpoints.Time.GetTimestamp(),
            (long)(TimeSpan.FromMinutes(3).TotalSeconds * _endpoints.Time.TimestampFrequency));

    private static Dictionary<BalancerEndpoint, int> Count(IEndpointSelector selector, BalancerEndpoint[] endpoints, int picks)
    {
        var counts = endpoints.ToDictionary(e => e, _ => 0);
        for (var i = 0; i < picks; i++)
        {
            counts[selector.Select(new SelectionContext(endpoints))!]++;
        }

        return counts;
    }
}
