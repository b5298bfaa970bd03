using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Feedback;

public class NetworkStatsTests
{
    [Fact]
    public void RoundTripTime_BeforeAnySample_IsNull()
    {
        var stats = new NetworkStats();

        stats.RoundTripTime.Should().BeNull();
        stats.RoundTripDeviation.Should().BeNull();
        stats.Samples.Should().Be(0);
        stats.Read().Estimate.Should().Be(double.NaN);
    }

    [Fact]
    public void ReadMeasured_BeforeAnySample_IsZero_ThenTheEstimate()
    {
        var stats = new NetworkStats();
        stats.ReadMeasured().Should().Be((0d, 0d));

        stats.Record(0.010);

        stats.ReadMeasured().Should().Be(stats.Read());
        stats.ReadMeasured().RoundTrip.Should().BeApproximately(0.010, 1e-6);
    }

    [Fact]
    public void Record_FirstSample_SetsEstimateAndHalfAsDeviation()
    {
        var stats = new NetworkStats();

        stats.Record(0.040);

        stats.RoundTripTime!.Value.TotalMilliseconds.Should().BeApproximately(40, 0.01);
        stats.RoundTripDeviation!.Value.TotalMilliseconds.Should().BeApproximately(20, 0.01);
        stats.Samples.Should().Be(1);
    }

    [Fact]
    public void Record_ShorterSample_MovesEstimateByHalf_DeviationByAQuarter()
    {
        var stats = new NetworkStats();
        stats.Record(0.040);

        stats.Record(0.000);

        // Deviation: 0.75 × 20 + 0.25 × |40 − 0| = 25 ms; estimate: 0.5 × 40 + 0.5 × 0 = 20 ms.
        stats.RoundTripDeviation!.Value.TotalMilliseconds.Should().BeApproximately(25, 0.01);
        stats.RoundTripTime!.Value.TotalMilliseconds.Should().BeApproximately(20, 0.01);
    }

    [Fact]
    public void Record_LongerSample_MovesEstimateByAQuarter()
    {
        var stats = new NetworkStats();
        stats.Record(0.040);

        stats.Record(0.080);

        // Deviation: 0.75 × 20 + 0.25 × 40 = 25 ms; estimate: 0.75 × 40 + 0.25 × 80 = 50 ms.
        stats.RoundTripDeviation!.Value.TotalMilliseconds.Should().BeApproximately(25, 0.01);
        stats.RoundTripTime!.Value.TotalMilliseconds.Should().BeApproximately(50, 0.01);
    }

    [Fact]
    public void Record_SteadySamples_DeviationFadesAndEstimateConverges()
    {
        var stats = new NetworkStats();
        stats.Record(0.050);

        for (var i = 0; i < 30; i++)
        {
            stats.Record(0.002);
        }

        stats.RoundTripTime!.Value.TotalMilliseconds.Should().BeApproximately(2, 0.1);
        stats.RoundTripDeviation!.Value.TotalMilliseconds.Should().BeLessThan(0.1);
    }

    [Fact]
    public void RecordFailure_CountsUntilASampleArrives_AndDoublesThePenalty()
    {
        var stats = new NetworkStats();

        stats.RecordFailure();
        stats.RecordFailure();

        stats.ConsecutiveFailures.Should().Be(2);
        FailurePenalty.Doubling(stats.ConsecutiveFailures).Should().Be(4);

        stats.Record(0.001);

        stats.ConsecutiveFailures.Should().Be(0);
        FailurePenalty.Doubling(stats.ConsecutiveFailures).Should().Be(1);
    }

    [Fact]
    public async Task Record_FromManyThreads_KeepsEveryUpdate()
    {
        var stats = new NetworkStats();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                stats.Record(0.010);
            }
        })));

        stats.Samples.Should().Be(40_000);
        stats.RoundTripTime!.Value.TotalMilliseconds.Should().BeApproximately(10, 0.01);
    }
}
