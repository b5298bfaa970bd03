namespace Balancer.Client.Inspection;

/// <summary>How one endpoint of a balanced client stood at one moment (see <see cref="IBalancerInspector"/>).</summary>
/// <remarks>
/// Recent figures are time-decayed with τ = <see cref="BalancerOptions.LatencyDecayTime"/>: a request counts with weight
/// <c>exp(-age/τ)</c>, so with the default τ of 10 s about two thirds of the weight lies on the last 10 s.
/// </remarks>
public sealed record EndpointSnapshot
{
    /// <summary>Gets the normalized address of the endpoint.</summary>
    public required Uri Address { get; init; }

    /// <summary>Gets the relative weight.</summary>
    public int Weight { get; init; }

    /// <summary>Gets the zone, or <see langword="null"/> when unknown.</summary>
    public string? Zone { get; init; }

    /// <summary>Gets whether the endpoint may receive traffic, and if not why.</summary>
    public EndpointHealthStatus Health { get; init; }

    /// <summary>Gets the end of the current ejection, or <see langword="null"/> when the endpoint is not ejected.</summary>
    public DateTimeOffset? EjectedUntil { get; init; }

    /// <summary>Gets the number of the endpoint's latest ejection in its current run of ejections (the ejection time grows with it); 0 when never ejected.</summary>
    public int EjectionCount { get; init; }

    /// <summary>Gets the end of the current <c>Retry-After</c> cool-down, or <see langword="null"/> when the endpoint is not cooling down.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    /// <summary>Gets the share of its normal traffic the endpoint gets during slow start, from just above 0 to 1; 1 outside slow start.</summary>
    public double SlowStartFactor { get; init; } = 1;

    /// <summary>Gets the number of attempts sent to the endpoint that have not received response headers yet.</summary>
    public int InFlight { get; init; }

    /// <summary>Gets the peak-EWMA latency as of the last sample, or <see langword="null"/> before the first sample.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>Gets the latency estimate the performance-based selectors compare now (decayed, or the neutral prior without samples).</summary>
    public TimeSpan LatencyEstimate { get; init; }

    /// <summary>Gets the 95th percentile latency of the successful attempts of the last 10 to 20 seconds, or <see langword="null"/> with fewer than 5 of them.</summary>
    public TimeSpan? LatencyP95 { get; init; }

    /// <summary>Gets the time-decayed share of failed attempts, from 0 to 1.</summary>
    public double FailureRate { get; init; }

    /// <summary>Gets the number of failures since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Gets the number of completed attempts since the endpoint was added (cancelled attempts are not counted).</summary>
    public long TotalRequests { get; init; }

    /// <summary>Gets the number of failed attempts since the endpoint was added.</summary>
    public long TotalFailures { get; init; }

    /// <summary>Gets the time of the last failure, or <see langword="null"/> when the endpoint never failed.</summary>
    public DateTimeOffset? LastFailure { get; init; }

    /// <summary>Gets the time-decayed number of recently completed attempts (about the request rate × τ in a steady state).</summary>
    public double RecentRequests { get; init; }

    /// <summary>Gets the endpoint's share of the client's recent traffic: its <see cref="RecentRequests"/> over the sum of all endpoints', from 0 to 1.</summary>
    public double Share { get; init; }

    /// <summary>Gets the selector's current score of the endpoint (see <see cref="BalancerClientSnapshot.ScoreDescription"/>), or <see langword="null"/>.</summary>
    public double? Score { get; init; }

    /// <summary>Gets the selector's note on the endpoint, such as the reason behind its score, or <see langword="null"/>.</summary>
    public string? ScoreNote { get; init; }
}
