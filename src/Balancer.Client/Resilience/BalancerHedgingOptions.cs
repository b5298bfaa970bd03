namespace Balancer.Client.Resilience;

/// <summary>
/// Hedging across endpoints (<c>AddBalancerHedging</c>): when the first attempt has not answered after a delay, a
/// second attempt goes to a different endpoint and the first response wins; the loser is cancelled and recorded
/// neither as a failure nor as latency. Safe methods only, unless enabled for others.
/// </summary>
public sealed class BalancerHedgingOptions
{
    /// <summary>Gets or sets the number of extra attempts a request may have.</summary>
    /// <value>The default value is 1. Allowed: 1 to 5.</value>
    public int MaxHedgedAttempts { get; set; } = 1;

    /// <summary>
    /// Gets or sets a fixed delay before a hedged attempt. When <see langword="null"/>, the delay is the recent
    /// 95th-percentile latency of the endpoint the first attempt went to, at least <see cref="MinDelay"/>, so that only
    /// the slowest ~5% of requests are hedged.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the endpoint's recent p95).</value>
    public TimeSpan? Delay { get; set; }

    /// <summary>Gets or sets the smallest adaptive delay, and the delay used before an endpoint has a latency history.</summary>
    /// <value>The default value is 10 milliseconds.</value>
    public TimeSpan MinDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets or sets a value indicating whether requests with methods other than GET, HEAD, OPTIONS and TRACE may be hedged.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool HedgeUnsafeMethods { get; set; }
}
