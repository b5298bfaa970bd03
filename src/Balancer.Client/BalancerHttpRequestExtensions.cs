using Balancer.Client.Selection.MlScored;

namespace Balancer.Client;

/// <summary>Per-request settings of balanced clients.</summary>
public static class BalancerHttpRequestExtensions
{
    private static readonly HttpRequestOptionsKey<bool> s_allowNonIdempotentRetry = new("Balancer.Client.AllowNonIdempotentRetry");
    private static readonly HttpRequestOptionsKey<bool> s_allowHedging = new("Balancer.Client.AllowHedging");
    private static readonly HttpRequestOptionsKey<string> s_hashKey = new("Balancer.Client.HashKey");
    private static readonly HttpRequestOptionsKey<string> s_requestClass = new("Balancer.Client.RequestClass");

    /// <summary>
    /// Allows the balancer's retry (<c>AddBalancerRetry</c>) to resend this request even though its method is not
    /// idempotent (POST, PATCH): use it when the server deduplicates (an idempotency key) or the operation is harmless.
    /// Retries are sequential; concurrent copies (hedging) need <see cref="AllowHedging"/> as well.
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
    /// Allows the balancer's hedging (<c>AddBalancerHedging</c>) to send concurrent copies of this request although its
    /// method is not safe (PUT, DELETE, POST, PATCH): two servers may then run it at the same time, so use it only when
    /// the server deduplicates or the operation is harmless. The body must be replayable. Without it, only GET, HEAD,
    /// OPTIONS and TRACE are hedged (or every method, with <c>HedgeUnsafeMethods</c>).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>The request, for chaining.</returns>
    public static HttpRequestMessage AllowHedging(this HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(s_allowHedging, true);
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

    /// <summary>
    /// Names the class of this request for the <see cref="Selection.EndpointSelectorNames.MlScored"/> selector, ahead of
    /// the client's <see cref="MlScoredOptions.RouteKey"/> and of the class derived from the method and the
    /// path's route template: requests with the same name share one latency model per endpoint, whatever their method,
    /// path or size. Other selectors ignore it.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="requestClass">The class, such as <c>"search"</c> or <c>"GET /orders/{id}"</c>; an empty string clears it.</param>
    /// <returns>The request, for chaining.</returns>
    public static HttpRequestMessage SetBalancerRequestClass(this HttpRequestMessage request, string requestClass)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(requestClass);
        request.Options.Set(s_requestClass, requestClass);
        return request;
    }

    internal static bool TryGetRequestClass(HttpRequestMessage request, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? requestClass) =>
        request.Options.TryGetValue(s_requestClass, out requestClass) && !string.IsNullOrEmpty(requestClass);

    internal static bool TryGetHashKey(HttpRequestMessage request, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key) =>
        request.Options.TryGetValue(s_hashKey, out key) && !string.IsNullOrEmpty(key);

    internal static bool IsHedgingAllowed(HttpRequestMessage request) =>
        request.Options.TryGetValue(s_allowHedging, out var allowed) && allowed;

    internal static bool IsNonIdempotentRetryAllowed(HttpRequestMessage request) =>
        request.Options.TryGetValue(s_allowNonIdempotentRetry, out var allowed) && allowed;
}
