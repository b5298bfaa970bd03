namespace Balancer.Client.Dns;

/// <summary>When a DNS source looks up again: after the records' TTL within bounds, or with backoff after failures.</summary>
internal static class RefreshSchedule
{
    /// <summary>The delay after a good answer: its shortest TTL, no shorter than <paramref name="min"/>, no longer than <paramref name="max"/>.</summary>
    public static TimeSpan AfterAnswer(int ttlSeconds, TimeSpan min, TimeSpan max) =>
        Clamp(TimeSpan.FromSeconds(Math.Max(ttlSeconds, 0)), min, max);

    /// <summary>The delay after the <paramref name="consecutiveFailures"/>th failed or empty lookup in a row: <paramref name="min"/>, doubling, at most <paramref name="max"/>.</summary>
    public static TimeSpan AfterFailure(int consecutiveFailures, TimeSpan min, TimeSpan max)
    {
        var doublings = Math.Clamp(consecutiveFailures - 1, 0, 30);
        var ticks = Math.Min((double)min.Ticks * (1L << doublings), max.Ticks);
        return Clamp(TimeSpan.FromTicks((long)ticks), min, max);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min ? min : value > max ? max : value;
}
