namespace Balancer.Client.Health;

/// <summary>
/// Passive outlier detection: the feedback of real traffic ejects an endpoint that fails, for a time that grows with
/// each ejection, so that a failing endpoint stops receiving traffic within a few requests.
/// </summary>
public sealed class OutlierDetectionOptions
{
    /// <summary>Gets or sets a value indicating whether outlier detection is on.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the number of consecutive failures that ejects an endpoint. 0 disables this trigger. A 429 Too Many
    /// Requests is back-pressure, not a failure of the endpoint (as in Envoy's consecutive-5xx rule): it neither counts
    /// here nor in <see cref="FailureRateThreshold"/>, nor breaks a run of failures.
    /// </summary>
    /// <value>The default value is 5.</value>
    public int ConsecutiveFailures { get; set; } = HealthConstants.DefaultConsecutiveFailures;

    /// <summary>
    /// Gets or sets the failure rate (0 to 1) above which an endpoint is ejected, measured over the feedback tracker's
    /// decaying window (about <see cref="BalancerOptions.LatencyDecayTime"/>). 0 disables this trigger.
    /// </summary>
    /// <value>The default value is 0.5.</value>
    public double FailureRateThreshold { get; set; } = HealthConstants.DefaultFailureRateThreshold;

    /// <summary>Gets or sets the number of recent requests an endpoint needs before its failure rate can eject it.</summary>
    /// <value>The default value is 20.</value>
    public int MinimumRequestVolume { get; set; } = HealthConstants.DefaultMinimumRequestVolume;

    /// <summary>
    /// Gets or sets the ejection time of a first ejection. The n-th ejection in a row lasts n times as long; the count
    /// goes down by one for every base ejection time the endpoint then stays healthy.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BaseEjectionTime { get; set; } = HealthConstants.DefaultBaseEjectionTime;

    /// <summary>Gets or sets the longest ejection.</summary>
    /// <value>The default value is 300 seconds.</value>
    public TimeSpan MaxEjectionTime { get; set; } = HealthConstants.DefaultMaxEjectionTime;

    /// <summary>
    /// Gets or sets the largest share of endpoints (0 to 1) that may be out at once. Every reason counts (ejected,
    /// cooling down after <c>Retry-After</c>, failing active checks, unreachable after a connection failure): an
    /// ejection or a connection failure that would take more than this share out leaves the endpoint in.
    /// </summary>
    /// <value>The default value is 0.5.</value>
    public double MaxEjectionPercent { get; set; } = HealthConstants.DefaultMaxEjectionPercent;
}
