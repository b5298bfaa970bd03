using System.Net;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Feedback;

/// <summary>What one completed attempt on an endpoint showed, as offered to <see cref="IFeedbackObserver"/>s.</summary>
public readonly struct AttemptFeedback
{
    internal AttemptFeedback(
        string clientName,
        BalancerEndpoint endpoint,
        HttpRequestMessage request,
        AttemptOutcome outcome,
        HttpStatusCode? statusCode,
        Exception? exception,
        TimeSpan duration,
        int attemptNumber)
    {
        ClientName = clientName;
        Endpoint = endpoint;
        Request = request;
        Outcome = outcome;
        StatusCode = statusCode;
        Exception = exception;
        Duration = duration;
        AttemptNumber = attemptNumber;
    }

    /// <summary>Gets the name of the balanced client.</summary>
    public string ClientName { get; }

    /// <summary>Gets the endpoint the attempt went to.</summary>
    public BalancerEndpoint Endpoint { get; }

    /// <summary>Gets the request. Its URI is the endpoint's during the callback; do not keep a reference.</summary>
    public HttpRequestMessage Request { get; }

    /// <summary>Gets how the attempt ended.</summary>
    public AttemptOutcome Outcome { get; }

    /// <summary>Gets the response status code, or <see langword="null"/> when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets the exception the attempt ended with, or <see langword="null"/> when a response arrived.</summary>
    public Exception? Exception { get; }

    /// <summary>Gets the time from sending the attempt to receiving the response headers (or the exception).</summary>
    public TimeSpan Duration { get; }

    /// <summary>Gets the attempt number within the logical request: 1 for the first attempt, 2 for the first retry, and so on.</summary>
    public int AttemptNumber { get; }
}
