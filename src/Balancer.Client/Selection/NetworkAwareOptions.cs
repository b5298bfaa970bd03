using Balancer.Client.Network;

namespace Balancer.Client.Selection;

/// <summary>
/// Settings of the <see cref="EndpointSelectorNames.NetworkAware"/> selector: the client's own zone, how strongly it
/// keeps traffic there, and the background probes that measure the network to each endpoint.
/// </summary>
public sealed class NetworkAwareOptions
{
    /// <summary>The environment variable read for the client's zone when <see cref="LocalZone"/> is not set: <c>BALANCER_ZONE</c>.</summary>
    public const string LocalZoneEnvironmentVariable = NetworkConstants.LocalZoneEnvironmentVariable;

    /// <summary>
    /// Gets or sets the zone the client runs in, compared (case-insensitively) with each endpoint's zone. When neither
    /// this nor the environment variable <see cref="LocalZoneEnvironmentVariable"/> is set, no zone is preferred and
    /// only the measured costs count.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the value of <c>BALANCER_ZONE</c>, if any.</value>
    public string? LocalZone { get; set; }

    /// <summary>
    /// Gets or sets the cost added to endpoints outside the local zone (those of another zone or of no known zone),
    /// for what crossing zones costs beyond the round trip the client measures (transfer charges, a shared failure domain).
    /// </summary>
    /// <value>The default value is 10 milliseconds. Allowed: 0 to 10 seconds.</value>
    public TimeSpan CrossZonePenalty { get; set; } = NetworkConstants.DefaultCrossZonePenalty;

    /// <summary>
    /// Gets or sets how much costlier the local candidate may be than the remote one (cross-zone penalty included)
    /// before a request spills over to the remote one. Costs are compared at their typical latency (no more than the
    /// client-wide average), so what makes a zone costlier is requests queueing on it (in flight), failures and
    /// refused connections, not one slow response. 1 compares costs plainly; larger values keep traffic local longer.
    /// </summary>
    /// <value>The default value is 2. Allowed: 1 to 1000.</value>
    public double SpilloverThreshold { get; set; } = NetworkConstants.DefaultSpilloverThreshold;

    /// <summary>Gets or sets the background TCP probes that measure the round trip to each endpoint.</summary>
    public NetworkProbeOptions Probes { get; set; } = new();

    /// <summary>The configured zone, else the environment variable's value, else null.</summary>
    internal string? ResolveLocalZone(Func<string, string?>? environment = null)
    {
        if (!string.IsNullOrWhiteSpace(LocalZone))
        {
            return LocalZone;
        }

        var value = (environment ?? Environment.GetEnvironmentVariable)(LocalZoneEnvironmentVariable)?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
