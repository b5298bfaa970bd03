using Balancer.Client.Network;

namespace Balancer.Client.Selection;

/// <summary>
/// Background probes of the <see cref="EndpointSelectorNames.NetworkAware"/> selector: at each interval, a TCP
/// connection to every endpoint that is half-closed at once; the time until the endpoint closes its side measures the
/// round trip, also for endpoints that get no traffic. They run only for clients that use the selector.
/// </summary>
public sealed class NetworkProbeOptions
{
    /// <summary>Gets or sets a value indicating whether probes run. When off, the client measures only the connections it opens for requests.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the time between two probes of an endpoint.</summary>
    /// <value>The default value is 5 seconds. Allowed: 100 milliseconds to 1 hour.</value>
    public TimeSpan Interval { get; set; } = NetworkConstants.DefaultProbeInterval;

    /// <summary>Gets or sets the random share (0 to 1) of the interval added or removed, so that clients do not probe in lockstep.</summary>
    /// <value>The default value is 0.2.</value>
    public double Jitter { get; set; } = NetworkConstants.DefaultProbeJitter;

    /// <summary>
    /// Gets or sets how long a probe may take. A connection not established in time is a failure; an endpoint that
    /// accepts but does not close its side in time is measured by its connect time alone.
    /// </summary>
    /// <value>The default value is 1 second. Allowed: 10 milliseconds to 1 minute.</value>
    public TimeSpan Timeout { get; set; } = NetworkConstants.DefaultProbeTimeout;

    /// <summary>Gets or sets the most probes under way at once.</summary>
    /// <value>The default value is 4. Allowed: 1 to 256.</value>
    public int MaxConcurrency { get; set; } = NetworkConstants.DefaultProbeConcurrency;

    /// <summary>The settings the prober runs on.</summary>
    internal NetworkProbeSettings ToSettings() => new(Enabled, Interval, Jitter, Timeout, MaxConcurrency);
}
