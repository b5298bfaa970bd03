namespace Balancer.Client.Health;

/// <summary>How a balanced client decides which endpoints may receive traffic.</summary>
public sealed class HealthOptions
{
    /// <summary>
    /// Gets or sets the share of endpoints that must be eligible (not ejected, not cooling down, not failing active
    /// checks, not unreachable after a connection failure). Below it the client panics: it balances across all endpoints, as Envoy does, because sending to
    /// possibly-unhealthy endpoints beats overloading the few left (or fails fast, see <see cref="FailFastInPanic"/>).
    /// 0 disables panic.
    /// </summary>
    /// <value>The default value is 0.5. Allowed: 0 to 1.</value>
    public double PanicThreshold { get; set; } = HealthConstants.DefaultPanicThreshold;

    /// <summary>
    /// Gets or sets a value indicating whether a client in panic fails requests with
    /// <see cref="NoAvailableEndpointException"/> (reason <see cref="NoAvailableEndpointReason.AllUnavailable"/>)
    /// instead of balancing across all endpoints.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool FailFastInPanic { get; set; }

    /// <summary>Gets or sets passive outlier detection: ejecting endpoints that fail, from the feedback of real traffic.</summary>
    public OutlierDetectionOptions OutlierDetection { get; set; } = new();

    /// <summary>
    /// Gets or sets what a refused or failed connection does: the endpoint leaves the eligible set at once and returns
    /// when an out-of-band TCP connect (with exponential backoff) succeeds.
    /// </summary>
    public ConnectionFailureOptions ConnectionFailure { get; set; } = new();

    /// <summary>Gets or sets slow start: ramping the traffic of endpoints that are new or return from ejection.</summary>
    public SlowStartOptions SlowStart { get; set; } = new();

    /// <summary>Gets or sets active health checks (off by default).</summary>
    public ActiveHealthCheckOptions ActiveChecks { get; set; } = new();

    /// <summary>
    /// Gets or sets a value indicating whether a 429 or 503 response with a <c>Retry-After</c> header puts its endpoint
    /// in cool-down (no new requests) for that time, capped by <see cref="MaxCooldown"/>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool HonorRetryAfter { get; set; } = true;

    /// <summary>Gets or sets the longest cool-down a <c>Retry-After</c> header can impose.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan MaxCooldown { get; set; } = HealthConstants.DefaultMaxCooldown;
}
