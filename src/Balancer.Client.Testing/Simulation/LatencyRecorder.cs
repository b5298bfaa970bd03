namespace Balancer.Client.Testing.Simulation;

/// <summary>Keeps every latency of a run (in ticks) for exact percentiles; grows by doubling, so recording does not allocate per request.</summary>
internal sealed class LatencyRecorder
{
    private long[] _values = new long[1024];
    private int _count;
    private long _sum;

    public int Count => _count;

    public void Add(long ticks)
    {
        if (_count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[_count++] = ticks;
        _sum += ticks;
    }

    /// <summary>Sorts the values and summarizes them; call once, at the end of the run.</summary>
    public LatencySummary Summarize()
    {
        if (_count == 0)
        {
            return new LatencySummary();
        }

        var values = _values.AsSpan(0, _count);
        values.Sort();
        return new LatencySummary
        {
            P50 = Percentile(values, 0.5),
            P90 = Percentile(values, 0.9),
            P99 = Percentile(values, 0.99),
            P999 = Percentile(values, 0.999),
            Max = TimeSpan.FromTicks(values[^1]),
            Mean = TimeSpan.FromTicks((long)Math.Round((double)_sum / _count)),
        };
    }

    /// <summary>Nearest rank: the smallest value that at least <paramref name="p"/> of the values do not exceed.</summary>
    private static TimeSpan Percentile(ReadOnlySpan<long> sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return TimeSpan.FromTicks(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
    }
}
