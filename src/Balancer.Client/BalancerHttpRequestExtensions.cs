namespace Balancer.Client;

/// <summary>Per-request settings of balanced clients.</summary>
public static class BalancerHttpRequestExtensions
{
    private static readonly HttpRequestOptionsKey<bool> s_allowNonIdempotentRetry = new("Balancer.Client.AllowNonIdempotentRetry");

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

    internal static bool IsNonIdempotentRetryAllowed(HttpRequestMessage request) =>
        request.Options.TryGetValue(s_allowNonIdempotentRetry, out var allowed) && allowed;
}
