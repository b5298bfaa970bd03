using Balancer.Client.Feedback;

namespace Balancer.Client.Tests.Feedback;

public class LatencyHistogramTests
{
    private const long Window = 10_000;

    [Fact]
    public void Percentile_IsWithinTheBucketResolution()
    {
        var histogram = new LatencyHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            histogram.Record(i / 1000.0 * 0.1, timestamp: 5, Window); // 0.1 ms .. 100 ms, uniform
        }

        var p95 = histogram.Percentile(0.95, 5, Window, 20)!.Value.TotalMilliseconds;
        var p50 = histogram.Percentile(0.5, 5, Window, 20)!.Value.TotalMilliseconds;

        p95.Should().BeInRange(95, 95 * 1.5);
        p50.Should().BeInRange(50, 50 * 1.5);
    }

    [Fact]
    public void Percentile_FewSamples_IsNull_AndOldWindowsAreForgotten()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(0.5, 1, Window);
        histogram.Percentile(0.95, 1, Window, 20).Should().BeNull();

        for (var i = 0; i < 100; i++)
        {
            histogram.Record(0.5, 1, Window);
        }

        histogram.Percentile(0.95, Window + 1, Window, 20).Should().NotBeNull("the previous window still counts");
        histogram.Percentile(0.95, (3 * Window) + 1, Window, 20).Should().BeNull("two windows later it is gone");

        for (var i = 0; i < 100; i++)
        {
            histogram.Record(0.001, (3 * Window) + 1, Window);
        }

        histogram.Percentile(0.95, (3 * Window) + 1, Window, 20)!.Value.TotalMilliseconds.Should().BeLessThan(2);
    }

    [Theory]
    [InlineData(0.000001)]
    [InlineData(0.001)]
    [InlineData(0.0173)]
    [InlineData(2.5)]
    public void Bucket_UpperBoundIsAboveTheValueAndWithinHalf(double seconds)
    {
        var upper = LatencyHistogram.UpperBoundMicroseconds(LatencyHistogram.Bucket(seconds)) / 1e6;

        upper.Should().BeGreaterThanOrEqualTo(seconds);
        upper.Should().BeLessThanOrEqualTo(Math.Max(seconds * 1.5, 2e-6));
    }
}
