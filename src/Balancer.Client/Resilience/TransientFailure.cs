using System.Net;

namespace Balancer.Client.Resilience;

/// <summary>
/// The one rule retry and hedging share for what is worth another attempt on another endpoint, and for what asks the
/// client to slow down instead.
/// </summary>
internal static class TransientFailure
{
    /// <summary>5xx, 408 Request Timeout (the server gave up waiting for the request) and 429 Too Many Requests.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>
    /// Every exception except <see cref="NoAvailableEndpointException"/> (no endpoint to try) and the caller's
    /// cancellation: connection failures, resets, the balancer's attempt timeout.
    /// </summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken) =>
        exception is not NoAvailableEndpointException && !callerToken.IsCancellationRequested;

    /// <summary>
    /// The server pushes back: 429, or a transient status with a <c>Retry-After</c> header. Hedging sends no further copy
    /// of the request then (the copies in flight are still waited for); retry goes to another endpoint after its delay.
    /// </summary>
    public static bool IsBackPressure(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.TooManyRequests
        || (IsTransient(response.StatusCode) && response.Headers.RetryAfter is not null);
}
