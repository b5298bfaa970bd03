namespace Balancer.Client.Health;

/// <summary>
/// Slow start: an endpoint added by a reload or returning from ejection first gets a small share of the traffic it
/// would otherwise get, growing linearly to the full share, so that a cold backend (empty caches, JIT) is not flooded.
/// </summary>
public sealed class SlowStartOptions
{
    /// <summary>Gets or sets the time over which the share grows to full. <see cref="TimeSpan.Zero"/> disables slow start.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan Window { get; set; } = HealthConstants.DefaultSlowStartWindow;

    /// <summary>Gets or sets the share (0 to 1) of its normal traffic that an endpoint gets when slow start begins.</summary>
    /// <value>The default value is 0.1.</value>
    public double MinWeightPercent { get; set; } = HealthConstants.DefaultSlowStartMinWeight;
}
