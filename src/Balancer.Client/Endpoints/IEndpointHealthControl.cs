namespace Balancer.Client.Endpoints;

/// <summary>
/// What an endpoint subsetter may read and do of the health of its client's endpoints
/// (<see cref="IEndpointSubsetter.Attach(IEndpointHealthControl)"/>): the client's own verdicts, and ejections on evidence from outside the
/// client, such as a quorum of a fleet's members. Thread-safe; never on the request path.
/// </summary>
public interface IEndpointHealthControl
{
    /// <summary>Returns the endpoints of the client's current set that it has taken out on its own evidence now, and why.</summary>
    /// <returns>One verdict per endpoint that is ejected, unreachable or failing its active checks (not cooling down: that is back-pressure).</returns>
    IReadOnlyList<EndpointVerdict> GetVerdicts();

    /// <summary>
    /// Ejects <paramref name="endpoint"/> for <paramref name="duration"/> (at most
    /// <see cref="Health.OutlierDetectionOptions.MaxEjectionTime"/>) on evidence from outside the client, as outlier detection
    /// would: within <see cref="Health.OutlierDetectionOptions.MaxEjectionPercent"/> and the panic threshold, logged with
    /// <paramref name="reason"/>. It returns afterwards as from any ejection.
    /// </summary>
    /// <param name="endpoint">An endpoint of the client's current set.</param>
    /// <param name="duration">How long it stays out.</param>
    /// <param name="reason">Why, for the log, such as <c>ejected by 3 of 4 fleet members</c>.</param>
    /// <returns><see langword="true"/> when it was ejected; <see langword="false"/> when outlier detection is off, it is out already, it is not in the current set, or there is no room.</returns>
    bool Eject(BalancerEndpoint endpoint, TimeSpan duration, string reason);
}

/// <summary>One endpoint a client has taken out on its own evidence.</summary>
/// <param name="Endpoint">The endpoint.</param>
/// <param name="Reason"><c>ejected</c>, <c>unreachable</c> or <c>failing health checks</c>.</param>
/// <param name="Until">When the ejection ends; <see langword="null"/> when it lasts until a check succeeds (unreachable, failing checks).</param>
public sealed record EndpointVerdict(BalancerEndpoint Endpoint, string Reason, DateTimeOffset? Until);
