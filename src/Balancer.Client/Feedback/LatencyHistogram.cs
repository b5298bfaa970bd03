using System.Numerics;

namespace Balancer.Client.Feedback;

/// <summary>
/// Recent latency distribution of one endpoint, for percentiles such as the hedging delay: log-scale buckets
/// (two per power of two, so within ±25%) in two alternating windows, so a percentile covers the last one to two
/// windows. Recording is one interlocked increment; no lock, no allocation.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int BucketCount = 64;
    private readonly long[] _counts = new long[2 * BucketCount];
    private readonly long[] _epochs = new long[2];

    public void Record(double seconds, long timestamp, long windowLength)
    {
        var window = Window(timestamp, windowLength);
        Interlocked.Increment(ref _counts[(window * BucketCount) + Bucket(seconds)]);
    }

    /// <summary>The latency below which <paramref name="quantile"/> of the recent samples fall, or null with fewer than <paramref name="minimumSamples"/>.</summary>
    public TimeSpan? Percentile(double quantile, long timestamp, long windowLength, int minimumSamples)
    {
        var epoch = timestamp / windowLength;
        Span<long> merged = stackalloc long[BucketCount];
        long total = 0;
        for (var w = 0; w < 2; w++)
        {
            if (epoch - Volatile.Read(ref _epochs[w]) > 1)
            {
                continue; // older than the previous window
            }

            for (var b = 0; b < BucketCount; b++)
            {
                var count = Volatile.Read(ref _counts[(w * BucketCount) + b]);
                merged[b] += count;
                total += count;
            }
        }

        if (total < Math.Max(1, minimumSamples))
        {
            return null;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var b = 0; b < BucketCount; b++)
        {
            seen += merged[b];
            if (seen >= rank)
            {
                return TimeSpan.FromTicks(Math.Max(1, UpperBoundMicroseconds(b) * 10));
            }
        }

        return TimeSpan.FromTicks(UpperBoundMicroseconds(BucketCount - 1) * 10);
    }

    internal static int Bucket(double seconds)
    {
        var micros = (ulong)Math.Clamp(seconds * 1e6, 1, 1e15);
        var log = 63 - BitOperations.LeadingZeroCount(micros);
        var half = log == 0 ? 0 : (int)((micros >> (log - 1)) & 1);
        return Math.Min((log * 2) + half, BucketCount - 1);
    }

    internal static long UpperBoundMicroseconds(int bucket)
    {
        var log = bucket / 2;
        var half = bucket % 2;
        var low = 1L << log;
        return half == 0 ? low + (low / 2) : 2 * low;
    }

    private int Window(long timestamp, long windowLength)
    {
        var epoch = timestamp / windowLength;
        var window = (int)(epoch & 1);
        var seen = Volatile.Read(ref _epochs[window]);
        if (seen != epoch && Interlocked.CompareExchange(ref _epochs[window], epoch, seen) == seen)
        {
            Array.Clear(_counts, window * BucketCount, BucketCount);
        }

        return window;
    }
}
