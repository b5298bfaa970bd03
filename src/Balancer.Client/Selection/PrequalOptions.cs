namespace Balancer.Client.Selection;

/// <summary>
/// Settings of the <see cref="EndpointSelectorNames.Prequal"/> selector: how often it probes the servers' load reports,
/// how many recent probe results it keeps and how long it trusts them, and where requests in flight become "hot".
/// </summary>
public sealed class PrequalOptions
{
    /// <summary>
    /// Gets or sets the path of the servers' probe, answered with a load report by <c>app.UseBalancerLoadReports()</c>
    /// (Balancer.Client.AspNetCore). Must start with '/'.
    /// </summary>
    /// <value>The default value is <c>/.well-known/balancer/load</c>.</value>
    public string ProbePath { get; set; } = PrequalConstants.DefaultProbePath;

    /// <summary>
    /// Gets or sets the probes sent per request, on average: each pick adds this much to the probe budget and every whole
    /// probe in it goes, asynchronously, to a random endpoint. Probing stops with the traffic.
    /// </summary>
    /// <value>The default value is 1. Allowed: 0.05 to 4.</value>
    public double ProbesPerRequest { get; set; } = PrequalConstants.DefaultProbesPerRequest;

    /// <summary>Gets or sets how many recent probe results the selector keeps; a new result replaces the oldest.</summary>
    /// <value>The default value is 16. Allowed: 2 to 64.</value>
    public int PoolSize { get; set; } = PrequalConstants.DefaultPoolSize;

    /// <summary>
    /// Gets or sets how long a probe result is used: the servers' requests in flight change within a few request
    /// durations, so an older report says little.
    /// </summary>
    /// <value>The default value is 100 ms. Allowed: 10 ms to 1 minute.</value>
    public TimeSpan MaxProbeAge { get; set; } = PrequalConstants.DefaultMaxProbeAge;

    /// <summary>
    /// Gets or sets how many picks one probe result may serve. Each pick it serves adds one to the requests in flight
    /// it stands for, so a reused result prices in this client's own requests sent since.
    /// </summary>
    /// <value>The default value is 1. Allowed: 1 to 16.</value>
    public int MaxUses { get; set; } = PrequalConstants.DefaultMaxUses;

    /// <summary>
    /// Gets or sets the quantile of the pool's requests in flight above which an endpoint is hot. A pick takes the
    /// lowest latency among the cold endpoints, or the fewest requests in flight when all are hot (the hot-cold rule).
    /// </summary>
    /// <value>The default value is 0.8. Allowed: 0.5 to 1 (1: no endpoint is hot, the lowest latency always wins).</value>
    public double HotQuantile { get; set; } = PrequalConstants.DefaultHotQuantile;

    /// <summary>Gets or sets how long a probe may take before it is dropped.</summary>
    /// <value>The default value is 1 second. Allowed: 10 ms to 30 seconds.</value>
    public TimeSpan ProbeTimeout { get; set; } = PrequalConstants.DefaultProbeTimeout;

    /// <summary>Gets or sets the probes in flight at most; probes beyond it are skipped, not queued.</summary>
    /// <value>The default value is 8. Allowed: 1 to 64.</value>
    public int MaxProbesInFlight { get; set; } = PrequalConstants.DefaultMaxProbesInFlight;
}
