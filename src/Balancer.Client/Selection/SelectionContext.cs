using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>What a selector chooses from: the eligible endpoints of the client and the request being sent.</summary>
public readonly struct SelectionContext
{
    /// <summary>Initializes a context.</summary>
    /// <param name="endpoints">The eligible endpoints (never empty when the client calls a selector).</param>
    /// <param name="request">The request, or <see langword="null"/> outside of a request (tests, simulations).</param>
    /// <param name="triedEndpoints">Endpoints that earlier attempts of the same request already went to.</param>
    public SelectionContext(IReadOnlyList<BalancerEndpoint> endpoints, HttpRequestMessage? request = null, IReadOnlyList<BalancerEndpoint>? triedEndpoints = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        Endpoints = endpoints;
        Request = request;
        TriedEndpoints = triedEndpoints ?? [];
    }

    /// <summary>
    /// Gets the endpoints to choose from. On a first attempt this is the client's current snapshot, the same list
    /// instance until the endpoint set changes, so a selector may cache derived data keyed on the instance. On a retry
    /// the endpoints already tried are left out while others remain.
    /// </summary>
    public IReadOnlyList<BalancerEndpoint> Endpoints { get; }

    /// <summary>Gets the request being balanced, or <see langword="null"/> outside of a request.</summary>
    public HttpRequestMessage? Request { get; }

    /// <summary>Gets the endpoints that earlier attempts of the same request went to (empty on a first attempt).</summary>
    public IReadOnlyList<BalancerEndpoint> TriedEndpoints { get; }

    /// <summary>Gets the attempt number: 1 for the first attempt, 2 for the first retry, and so on.</summary>
    public int AttemptNumber => TriedEndpoints.Count + 1;
}
