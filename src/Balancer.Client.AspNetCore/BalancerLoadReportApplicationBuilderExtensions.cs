using Balancer.Client.AspNetCore;
using Balancer.Client.AspNetCore.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the server side of load-aware balancing: load reports on every response and a probe path.</summary>
public static class BalancerLoadReportApplicationBuilderExtensions
{
    /// <summary>
    /// Counts this server's requests in flight and keeps a recent latency estimate, writes both on every response in the
    /// ORCA <c>endpoint-load-metrics</c> header (<c>TEXT named_metrics.rif=3, named_metrics.latency_ms=12.5</c>) and
    /// answers <see cref="BalancerLoadReportOptions.ProbePath"/> with the report. Call it early in the pipeline so that
    /// queued requests count as in flight.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The application builder.</returns>
    /// <exception cref="ArgumentException">The probe path does not start with '/'.</exception>
    public static IApplicationBuilder UseBalancerLoadReports(this IApplicationBuilder app, Action<BalancerLoadReportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = new BalancerLoadReportOptions();
        configure?.Invoke(options);
        if (string.IsNullOrEmpty(options.ProbePath) || options.ProbePath[0] != '/')
        {
            throw new ArgumentException($"UseBalancerLoadReports: BalancerLoadReportOptions.ProbePath must start with '/' (was '{options.ProbePath}').", nameof(configure));
        }

        return app.UseMiddleware<LoadReportMiddleware>(options);
    }
}
