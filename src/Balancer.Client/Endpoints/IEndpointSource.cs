namespace Balancer.Client.Endpoints;

/// <summary>
/// Publishes the endpoints of a balanced client from somewhere other than its options: DNS, a service registry, a
/// resolver. Register one with <c>AddEndpointSource</c> on the client's builder.
/// </summary>
/// <remarks>
/// <para>
/// The client calls <see cref="RunAsync"/> once, on a background task, when it is first used, and cancels the token
/// when it is disposed. A source publishes a full set each time something changes (<see cref="IEndpointPublisher.Publish"/>)
/// and reports failed refreshes (<see cref="IEndpointPublisher.ReportError"/>); it never needs to remember what it
/// published before. When <see cref="RunAsync"/> throws, the client logs it and calls it again after a growing delay
/// (1 second, doubling, at most 30 seconds); when it returns, the last set it published stays.
/// </para>
/// <para>
/// A failed refresh, and by default an empty set, keep the last good set: a discovery outage never leaves the client
/// without endpoints (see <see cref="EndpointSourceOptions.AcceptEmpty"/>). Endpoints that stay keep their statistics
/// and health; requests in flight on an endpoint that goes away finish normally.
/// </para>
/// <para>
/// The endpoints a client uses are those of its options (static or from configuration) and those of each of its
/// sources, in that order; when an address appears twice, the first wins.
/// </para>
/// </remarks>
public interface IEndpointSource
{
    /// <summary>Publishes endpoints through <paramref name="publisher"/> until <paramref name="cancellationToken"/> is canceled.</summary>
    /// <param name="publisher">Where to publish endpoint sets and report failed refreshes.</param>
    /// <param name="cancellationToken">Canceled when the client is disposed.</param>
    /// <returns>A task that completes when the source stops.</returns>
    Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken);
}

/// <summary>What an <see cref="IEndpointSource"/> publishes to: one per source of one client. Thread-safe.</summary>
public interface IEndpointPublisher
{
    /// <summary>Gets the name of the balanced client the source serves.</summary>
    string ClientName { get; }

    /// <summary>Gets the client's time provider, for the source's own timers (refresh intervals, backoff).</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>
    /// Replaces the endpoints of this source with <paramref name="endpoints"/>. Invalid entries (a bad address, a weight
    /// out of range, a duplicate) are left out and logged, naming the client, the field and the value; an empty result
    /// keeps the previous set unless <see cref="EndpointSourceOptions.AcceptEmpty"/> is on. The new set applies to the
    /// next request.
    /// </summary>
    /// <param name="endpoints">Every endpoint the source knows now.</param>
    /// <returns>The number of endpoints accepted from this publication (0 when the previous set was kept).</returns>
    int Publish(IReadOnlyList<BalancerEndpointOptions> endpoints);

    /// <summary>
    /// Checks an address against the client's rules for discovered addresses (<see cref="EndpointSourceOptions.AllowedSchemes"/>
    /// and <see cref="EndpointSourceOptions.AllowedHosts"/>) without publishing it, so that a source can log a refused
    /// value with where it came from (a registry key, a record). <see cref="Publish"/> applies the same rules anyway.
    /// </summary>
    /// <param name="address">An absolute http or https address.</param>
    /// <returns>Why the client refuses the address, such as <c>has host 'evil.example', which matches none of
    /// EndpointSources.AllowedHosts</c>, or <see langword="null"/> when it accepts it.</returns>
    string? CheckAddress(string address) => null;

    /// <summary>Reports a failed refresh: it is logged, counted, and the last good set stays.</summary>
    /// <param name="exception">What went wrong.</param>
    void ReportError(Exception exception);
}
