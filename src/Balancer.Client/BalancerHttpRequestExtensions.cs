namespace Balancer.Client;

/// <summary>Per-request settings of balanced clients.</summary>
public static class BalancerHttpRequestExtensions
{
    private static readonly HttpRequestOptionsKey<bool> s_allowNonIdempotentRetry = new("Balancer.Client.AllowNonIdempotentRetry");
    private static readonly HttpRequestOptionsKey<string> s_hashKey = new("Balancer.Client.HashKey");

    /// <summary>
    /// Allows the balancer's retry (<c>AddBalancerRetry</c>) and hedging to resend this request even though its method is
    /// not idempotent (POST, PATCH): use it when the server deduplicates (an idempotency key) or the operation is harmless.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>The request, for chaining.</returns>
    public static HttpRequestMessage AllowNonIdempotentRetry(this HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(s_allowNonIdempotentRetry, true);
        return request;
    }

    /// <summary>
    /// Sets the key that the <see cref="Selection.EndpointSelectorNames.ConsistentHash"/> selector hashes for this
    /// request, ahead of the client's <see cref="Selection.ConsistentHashOptions.KeyProvider"/> and
    /// <see cref="Selection.ConsistentHashOptions.HeaderName"/>: requests with the same key go to the same endpoint.
    /// Other selectors ignore it.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="key">The key, such as a user or tenant id; an empty string clears it.</param>
    /// <returns>The request, for chaining.</returns>
    public static HttpRequestMessage SetBalancerHashKey(this HttpRequestMessage request, string key)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        request.Options.Set(s_hashKey, key);
        return request;
    }

    internal static bool TryGetHashKey(HttpRequestMessage request, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key) =>
        request.Options.TryGetValue(s_hashKey, out key) && !string.IsNullOrEmpty(key);

    internal static bool IsNonIdempotentRetryAllowed(HttpRequestMessage request) =>
        request.Options.TryGetValue(s_allowNonIdempotentRetry, out var allowed) && allowed;
}
