using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// What a selector chooses from: the candidates (<see cref="Endpoints"/>), the pool they were taken from
/// (<see cref="Pool"/>) and the request being sent.
/// </summary>
public readonly struct SelectionContext
{
    /// <summary>Initializes a context.</summary>
    /// <param name="endpoints">The candidates: the eligible endpoints to choose from (never empty when the client calls a selector).</param>
    /// <param name="request">The request, or <see langword="null"/> outside of a request (tests, simulations).</param>
    /// <param name="triedEndpoints">Endpoints that earlier attempts of the same request already went to.</param>
    /// <param name="pool">
    /// All eligible endpoints, <paramref name="endpoints"/> included, when the candidates are only part of them (as on a
    /// retry); <see langword="null"/> when the candidates are the whole pool.
    /// </param>
    public SelectionContext(IReadOnlyList<BalancerEndpoint> endpoints, HttpRequestMessage? request = null, IReadOnlyList<BalancerEndpoint>? triedEndpoints = null, IReadOnlyList<BalancerEndpoint>? pool = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        Endpoints = endpoints;
        Pool = pool ?? endpoints;
        Request = request;
        TriedEndpoints = triedEndpoints ?? [];
    }

    /// <summary>
    /// Gets the candidates: the endpoints to choose from. On a first attempt this is the <see cref="Pool"/> itself. On
    /// a retry the endpoints of the pool already tried are left out while others remain: the candidates are then a
    /// list of their own, never the pool instance. When none of the pool was tried, or all were and the client reuses
    /// them, the candidates are the pool.
    /// </summary>
    public IReadOnlyList<BalancerEndpoint> Endpoints { get; }

    /// <summary>
    /// Gets all eligible endpoints of the client (health, priority tiers and panic applied): the same list instance for
    /// every attempt until the endpoint set or its eligibility changes, so a selector may cache data derived from it,
    /// keyed on the instance. <see cref="Endpoints"/> is this very instance when nothing was left out, so
    /// <c>ReferenceEquals(Endpoints, Pool)</c> tells a selector whether the candidates are the whole pool.
    /// </summary>
    public IReadOnlyList<BalancerEndpoint> Pool { get; }

    /// <summary>Gets the request being balanced, or <see langword="null"/> outside of a request.</summary>
    public HttpRequestMessage? Request { get; }

    /// <summary>Gets the endpoints that earlier attempts of the same request went to (empty on a first attempt).</summary>
    public IReadOnlyList<BalancerEndpoint> TriedEndpoints { get; }

    /// <summary>
    /// Gets the time of the pick as a timestamp of the client's <see cref="TimeProvider"/>, read once by the client for the
    /// whole pick (eligibility, slow start, the attempt's start), or 0 when the caller gave none. A selector that reads
    /// time-decayed statistics uses it instead of reading the clock again (see <see cref="GetTimestamp"/>).
    /// </summary>
    public long Timestamp { get; init; }

    /// <summary>Returns <see cref="Timestamp"/>, or reads <paramref name="timeProvider"/> when the caller gave none.</summary>
    /// <param name="timeProvider">The clock of the statistics the selector reads: the client's.</param>
    /// <returns>The pick's timestamp.</returns>
    public long GetTimestamp(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return Timestamp != 0 ? Timestamp : timeProvider.GetTimestamp();
    }

    /// <summary>Gets the attempt number: 1 for the first attempt, 2 for the first retry, and so on.</summary>
    public int AttemptNumber => TriedEndpoints.Count + 1;
}
