using Balancer.Client.Feedback;

namespace Balancer.Client.Tests.Feedback;

/// <summary>The weight load reports earn an endpoint (gRPC A58), read from its statistics.</summary>
public class LoadReportWeightTests
{
    private static readonly long s_second = TimeSpan.TicksPerSecond;
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Of_WithoutReports_IsZero()
    {
        var endpoint = _endpoints.Create(1);

        LoadReportWeight.Of(endpoint.Stats, Now, Blackout, Expiration, 1).Should().Be(0);
    }

    [Fact]
    public void Of_InTheBlackout_IsZero_ThenRpsOverUtilization_WithTheErrorPenalty()
    {
        var endpoint = _endpoints.Create(1);
        Report(endpoint, utilization: 0.5, rps: 100, eps: 10);
        LoadReportWeight.Of(endpoint.Stats, Now, Blackout, Expiration, 1).Should().Be(0, "the run of reports is younger than the blackout");

        _endpoints.Time.Advance(TimeSpan.FromSeconds(11));
        Report(endpoint, utilization: 0.5, rps: 100, eps: 10);

        LoadReportWeight.Of(endpoint.Stats, Now, Blackout, Expiration, 1).Should().BeApproximately(100 / (0.5 + (10.0 / 100)), 1e-9);
        LoadReportWeight.Of(endpoint.Stats, Now, Blackout, Expiration, 0).Should().BeApproximately(200, 1e-9);
    }

    [Fact]
    public void Of_AfterTheLastReportExpired_IsZero_AndReadsNothingIntoTheStats()
    {
        var endpoint = _endpoints.Create(1);
        Report(endpoint, utilization: 0.5, rps: 100, eps: 0);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(11));
        Report(endpoint, utilization: 0.5, rps: 100, eps: 0);
        var since = endpoint.Stats.LoadNonEmptySince;

        _endpoints.Time.Advance(TimeSpan.FromSeconds(181));

        LoadReportWeight.Of(endpoint.Stats, Now, Blackout, Expiration, 1).Should().Be(0);
        endpoint.Stats.LoadNonEmptySince.Should().Be(since);
    }

    private static long Blackout => 10 * s_second;

    private static long Expiration => 180 * s_second;

    private long Now => _endpoints.Time.GetTimestamp();

    private void Report(Balancer.Client.Endpoints.BalancerEndpoint endpoint, double utilization, double rps, double eps) =>
        endpoint.Stats.RecordServerLoad(new ServerLoadReport(utilization, 0, 0, rps, eps, new Dictionary<string, double>(), _endpoints.Time.GetUtcNow()), Now, Expiration);
}
