using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a request's key is hashed onto the
/// <see cref="HashRing"/> of the eligible endpoints, and the walk from there (<see cref="BoundedLoadWalk"/>) takes the first endpoint that was not tried
/// by an earlier attempt and whose requests in flight, counting this one, stay within ⌈c × (L + 1) × weight ÷ Σweight⌉,
/// L being the client's requests in flight (Envoy bounds on the cluster's active requests the same way). Requests
/// without a key go to the <see cref="PeakEwmaSelector"/> fallback. A pick reads the ring and a few in-flight counters
/// only: no lock, no allocation, O(1) on average whatever the number of endpoints.
/// </summary>
internal sealed class ConsistentHashSelector : IEndpointSelector
{
    private readonly string? _headerName;
    private readonly HashKeyProvider? _keyProvider;
    private readonly double _loadBound;
    private readonly IEndpointSelector _fallback;
    private SnapshotCache<HashRing> _ring;

    public ConsistentHashSelector(ConsistentHashOptions options, IEndpointSelector fallback)
    {
        _headerName = string.IsNullOrEmpty(options.HeaderName) ? null : options.HeaderName;
        _keyProvider = options.KeyProvider;
        _loadBound = options.LoadBoundFactor;
        _fallback = fallback;
    }

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count == 0)
        {
            return null;
        }

        if (!TryHashKey(context.Request, out var hash))
        {
            return _fallback.Select(in context);
        }

        // A retry walks the ring of the whole pool (cached) and skips the tried endpoints itself.
        var ring = _ring.GetForPool(context, static list => new HashRing(list));
        return BoundedLoadWalk.Walk(ring, HashRing.Position(hash), context.TriedEndpoints, _loadBound);
    }

    private bool TryHashKey(HttpRequestMessage? request, out ulong hash)
    {
        hash = 0;
        if (request is null)
        {
            return false;
        }

        if (BalancerHttpRequestExtensions.TryGetHashKey(request, out var key))
        {
            hash = HashRing.Hash(key);
            return true;
        }

        if (_keyProvider is not null)
        {
            var provided = _keyProvider(request);
            if (!provided.IsEmpty)
            {
                hash = HashRing.Hash(provided);
                return true;
            }
        }

        if (_headerName is null || !request.Headers.NonValidated.TryGetValues(_headerName, out var values))
        {
            return false;
        }

        // Several values chain: the hash of each seeds the next, so a single value hashes like the same key given directly.
        var found = false;
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value))
            {
                hash = HashRing.Hash(value, hash);
                found = true;
            }
        }

        return found;
    }
}
