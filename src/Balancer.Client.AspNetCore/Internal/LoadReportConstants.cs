namespace Balancer.Client.AspNetCore;

/// <summary>Defaults of the load reports.</summary>
internal static class LoadReportConstants
{
    public const string DefaultProbePath = "/.well-known/balancer/load";

    public const string HeaderName = "endpoint-load-metrics";

    /// <summary>Weight of the newest completed request in the latency estimate (EWMA).</summary>
    public const double LatencySmoothing = 0.2;

    /// <summary>The time constant after which a new sample outweighs the EWMA (see <c>LoadReportMiddleware.Observe</c>).</summary>
    public static readonly TimeSpan QuietTime = TimeSpan.FromSeconds(1);
}
