namespace Balancer.Client;

/// <summary>
/// Thrown when a balanced client cannot select an endpoint for an attempt. Derives from
/// <see cref="HttpRequestException"/>, so existing handlers and resilience predicates treat it as a transport failure.
/// </summary>
public sealed class NoAvailableEndpointException : HttpRequestException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="clientName">The name of the balanced client.</param>
    /// <param name="reason">Why no endpoint could be selected.</param>
    /// <param name="message">The message, which names the client and the reason.</param>
    public NoAvailableEndpointException(string clientName, NoAvailableEndpointReason reason, string message)
        : base(message)
    {
        ClientName = clientName;
        Reason = reason;
    }

    /// <summary>Gets the name of the balanced client.</summary>
    public string ClientName { get; }

    /// <summary>Gets why no endpoint could be selected.</summary>
    public NoAvailableEndpointReason Reason { get; }
}
