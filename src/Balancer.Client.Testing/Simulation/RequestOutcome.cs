namespace Balancer.Client.Testing.Simulation;

/// <summary>How a simulated request ended.</summary>
internal enum RequestOutcome
{
    /// <summary>Answered with 200.</summary>
    Ok,

    /// <summary>Answered at once with 503.</summary>
    Unavailable,

    /// <summary>Sent to a stopped backend: connection refused.</summary>
    Refused,

    /// <summary>Connection reset by the backend, or held by it when it stopped.</summary>
    Reset,

    /// <summary>The client gave up.</summary>
    Timeout,
}
