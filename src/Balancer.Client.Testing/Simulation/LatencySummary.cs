namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// The latency of every request of a run, measured from its arrival (its intended send time) to its answer or failure;
/// a timed-out request counts with the timeout. Percentiles are exact (nearest rank).
/// </summary>
public sealed record LatencySummary
{
    /// <summary>Gets the median.</summary>
    public TimeSpan P50 { get; init; }

    /// <summary>Gets the 90th percentile.</summary>
    public TimeSpan P90 { get; init; }

    /// <summary>Gets the 99th percentile.</summary>
    public TimeSpan P99 { get; init; }

    /// <summary>Gets the 99.9th percentile.</summary>
    public TimeSpan P999 { get; init; }

    /// <summary>Gets the largest latency.</summary>
    public TimeSpan Max { get; init; }

    /// <summary>Gets the mean latency.</summary>
    public TimeSpan Mean { get; init; }
}
