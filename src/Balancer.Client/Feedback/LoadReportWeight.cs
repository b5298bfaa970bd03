namespace Balancer.Client.Feedback;

/// <summary>
/// The weight an endpoint's ORCA load reports earn it (gRPC A58): rps ÷ (utilization + eps ÷ rps × error penalty), from
/// its last report, once its current run of reports is at least the blackout period old and while its last usable
/// report is younger than the expiration period; 0 (no valid weight) otherwise. Reads the statistics, never writes them:
/// the next report after an expiry starts a new run (and a new blackout) in <see cref="EndpointStats.RecordServerLoad"/>.
/// </summary>
internal static class LoadReportWeight
{
    /// <summary>The weight of the endpoint with <paramref name="stats"/> at <paramref name="now"/>; the periods are in timestamp units.</summary>
    public static double Of(EndpointStats stats, long now, long blackout, long expiration, double errorUtilizationPenalty)
    {
        var last = stats.LoadLastUpdate;
        if (last == 0)
        {
            return 0;
        }

        if (now - last >= expiration)
        {
            return 0; // expired; the next report starts a new run (and a new blackout)
        }

        var since = stats.LoadNonEmptySince;
        if (since == 0 || now - since < blackout || stats.ServerLoad is not { } report)
        {
            return 0;
        }

        var rps = report.RpsFractional;
        var utilization = report.Utilization + (report.Eps / rps * errorUtilizationPenalty);
        return utilization > 0 ? rps / utilization : 0;
    }
}
