namespace Balancer.Client.Selection;

/// <summary>
/// Settings of the <see cref="EndpointSelectorNames.WeightedRoundRobin"/> selector, which weighs endpoints by the load
/// they report in ORCA <c>endpoint-load-metrics</c> response headers (gRPC proposal A58).
/// </summary>
public sealed class WeightedRoundRobinOptions
{
    /// <summary>Gets or sets how long an endpoint must keep reporting before its weight is used (so a burst of early reports does not swing traffic).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan BlackoutPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a weight stays valid without a new report; an endpoint without a valid weight gets the mean weight.</summary>
    /// <value>The default value is 3 minutes.</value>
    public TimeSpan WeightExpirationPeriod { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Gets or sets how often the schedule is rebuilt from the latest weights.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan WeightUpdatePeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the penalty of errors: weight = rps ÷ (utilization + eps ÷ rps × this).</summary>
    /// <value>The default value is 1.</value>
    public double ErrorUtilizationPenalty { get; set; } = 1;
}
