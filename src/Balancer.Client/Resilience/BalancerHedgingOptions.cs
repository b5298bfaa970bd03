namespace Balancer.Client.Resilience;

/// <summary>
/// Hedging across endpoints (<c>AddBalancerHedging</c>): when the first attempt has not answered after a delay, or
/// failed with a transient failure (an exception, 5xx, 408, 429), a copy goes to an endpoint no earlier copy took and
/// the first good response wins; the losers are cancelled and recorded neither as failures nor as latency. Every copy
/// takes a token of the client's retry budget (<see cref="BalancerRetryOptions.BudgetRatio"/>, shared with retry);
/// after a push-back (429, or a Retry-After) no further copy goes out and those in flight are waited for. Safe methods
/// only, unless enabled for others.
/// </summary>
public sealed class BalancerHedgingOptions
{
    /// <summary>Gets or sets the number of extra attempts (copies) a request may have, each within the budget.</summary>
    /// <value>The default value is 1. Allowed: 1 to 5.</value>
    public int MaxHedgedAttempts { get; set; } = ResilienceConstants.DefaultMaxHedgedAttempts;

    /// <summary>
    /// Gets or sets a fixed delay before a hedged attempt. When <see langword="null"/>, the delay is the recent
    /// 95th-percentile latency of the endpoint the first attempt went to, at least <see cref="MinDelay"/>, so that only
    /// the slowest ~5% of requests are hedged.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the endpoint's recent p95).</value>
    public TimeSpan? Delay { get; set; }

    /// <summary>Gets or sets the smallest adaptive delay, and the delay used before an endpoint has a latency history.</summary>
    /// <value>The default value is 10 milliseconds.</value>
    public TimeSpan MinDelay { get; set; } = ResilienceConstants.DefaultHedgingMinDelay;

    /// <summary>
    /// Gets or sets a value indicating whether requests with methods other than GET, HEAD, OPTIONS and TRACE may be
    /// hedged, so that two servers may run one at the same time. A single request opts in with
    /// <c>request.AllowHedging()</c>; <c>request.AllowNonIdempotentRetry()</c> allows sequential retries only, never
    /// concurrent copies.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool HedgeUnsafeMethods { get; set; }
}
