namespace Balancer.Client.AspNetCore;

/// <summary>
/// Options of the load reports written by <c>UseBalancerLoadReports</c>: the server's requests in flight and a recent
/// latency estimate in the ORCA <c>endpoint-load-metrics</c> response header, and a probe path that answers with the
/// same report.
/// </summary>
public sealed class BalancerLoadReportOptions
{
    /// <summary>
    /// Gets or sets the path that answers a probe with the load report itself (status 200, empty body, the header),
    /// without running the rest of the pipeline and without counting the probe as a request. Must start with '/'.
    /// </summary>
    /// <value>The default value is <c>/.well-known/balancer/load</c>.</value>
    public string ProbePath { get; set; } = LoadReportConstants.DefaultProbePath;
}
