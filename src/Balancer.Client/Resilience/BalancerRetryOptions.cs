using Polly;

namespace Balancer.Client.Resilience;

/// <summary>
/// Retry on another endpoint (<c>AddBalancerRetry</c>): each retry picks again and avoids the endpoints this request
/// already tried. Safe by default: a request that may have reached a server is resent only when its method is
/// idempotent or the caller opted in, only when its body can be replayed, and only within the retry budget (shared
/// with hedging). Transient: exceptions other than <see cref="NoAvailableEndpointException"/> and the caller's
/// cancellation, 5xx, 408 and 429, the same rule hedging uses.
/// </summary>
public sealed class BalancerRetryOptions
{
    /// <summary>Gets or sets the number of retries after the first attempt.</summary>
    /// <value>The default value is 2. Allowed: 1 to 10.</value>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Gets or sets the delay before the first retry (grown by <see cref="BackoffType"/>, with jitter).</summary>
    /// <value>The default value is 25 milliseconds: another endpoint is usually ready at once.</value>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Gets or sets how the delay grows between retries.</summary>
    /// <value>The default value is <see cref="DelayBackoffType.Exponential"/>.</value>
    public DelayBackoffType BackoffType { get; set; } = DelayBackoffType.Exponential;

    /// <summary>
    /// Gets or sets a value indicating whether requests with non-idempotent methods (POST, PATCH, CONNECT, custom
    /// methods) may be resent after they may have reached a server (a 5xx, a timeout, a reset). Connection failures
    /// that happened before anything was sent are retried for every method regardless. A single request can opt in
    /// with <c>request.AllowNonIdempotentRetry()</c>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RetryNonIdempotent { get; set; }

    /// <summary>
    /// Gets or sets the largest share of extra attempts relative to requests over <see cref="BudgetWindow"/>, so that
    /// extra attempts cannot multiply an outage. The budget is one per client: retries and hedged copies
    /// (<c>AddBalancerHedging</c>) both draw on it, and a request is counted once however many handlers it passes.
    /// A client that hedges without <c>AddBalancerRetry</c> sets it with
    /// <c>services.Configure&lt;BalancerRetryOptions&gt;(clientName, o =&gt; ...)</c>.
    /// </summary>
    /// <value>The default value is 0.2 (retries and hedges ≤ 20% of requests). Allowed: 0 to 1.</value>
    public double BudgetRatio { get; set; } = ResilienceConstants.DefaultBudgetRatio;

    /// <summary>Gets or sets the window over which the budget counts requests and extra attempts.</summary>
    /// <value>The default value is 10 seconds. Allowed: 1 second to 1 hour.</value>
    public TimeSpan BudgetWindow { get; set; } = ResilienceConstants.DefaultBudgetWindow;

    /// <summary>Gets or sets the extra attempts (retries and hedges) always allowed per window, so that a client with little traffic can still retry.</summary>
    /// <value>The default value is 10.</value>
    public int MinRetriesPerWindow { get; set; } = ResilienceConstants.DefaultMinRetriesPerWindow;
}
