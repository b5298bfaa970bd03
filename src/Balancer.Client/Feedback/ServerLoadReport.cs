namespace Balancer.Client.Feedback;

/// <summary>
/// The load an endpoint reported about itself in its last response, in the ORCA <c>endpoint-load-metrics</c> header
/// (text or JSON form). Utilizations are typically 0 to 1; rates are per second.
/// </summary>
/// <param name="CpuUtilization">The <c>cpu_utilization</c> field.</param>
/// <param name="MemUtilization">The <c>mem_utilization</c> field.</param>
/// <param name="ApplicationUtilization">The <c>application_utilization</c> field (preferred over CPU when present).</param>
/// <param name="RpsFractional">The <c>rps_fractional</c> field: the queries per second the endpoint is serving.</param>
/// <param name="Eps">The <c>eps</c> field: errors per second.</param>
/// <param name="NamedMetrics">The <c>named_metrics.*</c> fields, by name without the prefix.</param>
/// <param name="ReceivedAt">When the report arrived.</param>
public sealed record ServerLoadReport(
    double CpuUtilization,
    double MemUtilization,
    double ApplicationUtilization,
    double RpsFractional,
    double Eps,
    IReadOnlyDictionary<string, double> NamedMetrics,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The utilization that weighs on balancing: application utilization when reported, else CPU utilization.</summary>
    public double Utilization => ApplicationUtilization > 0 ? ApplicationUtilization : CpuUtilization;
}
