using System.Net;

namespace Balancer.Client.Feedback;

/// <summary>
/// Decides whether a completed attempt counts as a failure of the endpoint. Replace it through
/// <see cref="BalancerOptions.IsFailure"/>; the caller's own cancellation never reaches it.
/// </summary>
public static class FailurePolicy
{
    /// <summary>
    /// The default policy: any exception (connection refused, reset, timeout, protocol error), any 5xx response and
    /// 429 Too Many Requests count as failures; everything else is a success.
    /// </summary>
    /// <param name="response">The response, or <see langword="null"/> when the attempt ended with an exception.</param>
    /// <param name="exception">The exception, or <see langword="null"/> when a response arrived.</param>
    /// <returns><see langword="true"/> when the attempt counts as a failure of the endpoint.</returns>
    public static bool IsFailureByDefault(HttpResponseMessage? response, Exception? exception)
    {
        if (exception is not null)
        {
            return true;
        }

        if (response is null)
        {
            return true;
        }

        var code = (int)response.StatusCode;
        return code >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
    }
}
