namespace Balancer.Client.Selection;

/// <summary>
/// Settings of the <see cref="EndpointSelectorNames.ConsistentHash"/> selector: where the key of a request comes from
/// and how far above the average load an endpoint may go before its keys spill to the next endpoint on the ring.
/// </summary>
/// <remarks>
/// A key set on the request with <see cref="BalancerHttpRequestExtensions.SetBalancerHashKey"/> comes first, then
/// <see cref="KeyProvider"/>, then the header <see cref="HeaderName"/>. The same key string maps to the same endpoint
/// whichever way it is given. A request without a key is balanced by <see cref="EndpointSelectorNames.PeakEwma"/>.
/// </remarks>
public sealed class ConsistentHashOptions
{
    /// <summary>Gets or sets the request header whose value is the key (all its values, in order, when it has several).</summary>
    /// <value>The default value is <see langword="null"/> (no header).</value>
    public string? HeaderName { get; set; }

    /// <summary>
    /// Gets or sets a function that returns the key of a request (code only). It runs on every request that has no key
    /// set with <see cref="BalancerHttpRequestExtensions.SetBalancerHashKey"/>, so keep it cheap; an exception it throws
    /// fails the request.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public HashKeyProvider? KeyProvider { get; set; }

    /// <summary>
    /// Gets or sets the load bound c: an endpoint whose requests in flight, counting this one, would exceed
    /// ⌈c × its weight's share of all requests in flight (counting this one)⌉ is skipped for the next endpoint on the
    /// ring. Lower spreads a hot key sooner; higher keeps keys on their endpoint longer.
    /// <see cref="double.PositiveInfinity"/> turns the bound off.
    /// </summary>
    /// <value>The default value is 1.25. Allowed: greater than 1.</value>
    public double LoadBoundFactor { get; set; } = ConsistentHashConstants.DefaultLoadBoundFactor;
}
