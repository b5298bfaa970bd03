namespace Balancer.Client.Health;

/// <summary>
/// Connection failures: an endpoint that refuses a connection (or cannot be reached, or does not accept within the
/// connect timeout) leaves the eligible set at once, because a transport failure is not a slow answer and every
/// further attempt would pay a refused connect. Whether it is back is checked out of band with a plain TCP connect,
/// retried with exponential backoff and jitter (as gRPC's connection backoff); the first connect that succeeds returns
/// the endpoint through a short slow start, with its failure record cleared.
/// </summary>
public sealed class ConnectionFailureOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether a connection failure takes the endpoint out until a reconnect check
    /// succeeds. When off, connection failures only count as failures for outlier detection.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the delay before the first reconnect check.</summary>
    /// <value>The default value is 1 second. Allowed: 10 milliseconds to 1 hour.</value>
    public TimeSpan InitialBackoff { get; set; } = HealthConstants.DefaultReconnectInitialBackoff;

    /// <summary>Gets or sets the factor by which the delay grows after each failed reconnect check.</summary>
    /// <value>The default value is 1.6. Allowed: 1 to 10.</value>
    public double BackoffMultiplier { get; set; } = HealthConstants.DefaultReconnectBackoffMultiplier;

    /// <summary>Gets or sets the longest delay between two reconnect checks (before jitter).</summary>
    /// <value>The default value is 120 seconds. Allowed: <see cref="InitialBackoff"/> to 1 hour.</value>
    public TimeSpan MaxBackoff { get; set; } = HealthConstants.DefaultReconnectMaxBackoff;

    /// <summary>Gets or sets the random share (0 to 1) of each delay added or removed, so clients do not reconnect in lockstep.</summary>
    /// <value>The default value is 0.2. Allowed: 0 up to (not including) 1.</value>
    public double Jitter { get; set; } = HealthConstants.DefaultReconnectJitter;

    /// <summary>Gets or sets how long a reconnect check may take to connect before it counts as failed.</summary>
    /// <value>The default value is 5 seconds. Allowed: 10 milliseconds to 5 minutes.</value>
    public TimeSpan ConnectTimeout { get; set; } = HealthConstants.DefaultReconnectTimeout;

    /// <summary>
    /// Gets or sets the slow-start window of an endpoint that returns after a successful reconnect check (instead of
    /// <see cref="SlowStartOptions.Window"/>), so a restarted backend is back to its fair share within seconds.
    /// <see cref="TimeSpan.Zero"/> returns it at its full share at once.
    /// </summary>
    /// <value>The default value is 5 seconds. Allowed: 0 to 1 hour.</value>
    public TimeSpan SlowStartWindow { get; set; } = HealthConstants.DefaultReconnectSlowStartWindow;
}
