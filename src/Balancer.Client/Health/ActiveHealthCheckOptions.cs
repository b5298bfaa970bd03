namespace Balancer.Client.Health;

/// <summary>
/// Active health checks: an HTTP GET to each endpoint at an interval, through the client's own primary handler (its
/// client certificates, certificate validation, credentials) or the handler set with <c>ConfigureHealthCheckHandler</c>.
/// An endpoint not checked yet is eligible until its first result (new endpoints are checked at once); a failed first
/// check, or <see cref="UnhealthyThreshold"/> failed checks in a row later, stop its traffic.
/// </summary>
public sealed class ActiveHealthCheckOptions
{
    /// <summary>Gets or sets a value indicating whether active checks run. When off, no probe traffic is sent.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the path probed, relative to the endpoint's address.</summary>
    /// <value>The default value is <c>/health</c>.</value>
    public string Path { get; set; } = HealthConstants.DefaultHealthCheckPath;

    /// <summary>Gets or sets the time between two checks of an endpoint.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan Interval { get; set; } = HealthConstants.DefaultHealthCheckInterval;

    /// <summary>Gets or sets the random share (0 to 1) of the interval added or removed, so clients do not probe in lockstep.</summary>
    /// <value>The default value is 0.2.</value>
    public double Jitter { get; set; } = HealthConstants.DefaultHealthCheckJitter;

    /// <summary>Gets or sets how long a check may take before it counts as failed.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan Timeout { get; set; } = HealthConstants.DefaultHealthCheckTimeout;

    /// <summary>Gets or sets the consecutive successful checks that make an unhealthy endpoint healthy.</summary>
    /// <value>The default value is 1.</value>
    public int HealthyThreshold { get; set; } = 1;

    /// <summary>Gets or sets the consecutive failed checks that make a healthy endpoint unhealthy.</summary>
    /// <value>The default value is 2.</value>
    public int UnhealthyThreshold { get; set; } = 2;
}
