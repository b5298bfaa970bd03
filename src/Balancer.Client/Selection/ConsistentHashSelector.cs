using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a request's key is hashed onto the
/// <see cref="HashRing"/> of the eligible endpoints, and the walk from there takes the first endpoint that was not tried
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
        return Walk(ring, HashRing.Position(hash), context.TriedEndpoints);
    }

    private BalancerEndpoint Walk(HashRing ring, uint position, IReadOnlyList<BalancerEndpoint> tried)
    {
        var items = ring.Items;
        var start = ring.Find(position);
        if (items.Length == 1)
        {
            return items[0];
        }

        // Each endpoint owns many points: remember the rejected ones so each is judged once and the walk ends when all were.
        Span<ulong> rejected = items.Length <= ConsistentHashConstants.MaxTrackedEndpoints ? stackalloc ulong[(items.Length + 63) >> 6] : default;
        var remaining = items.Length;
        var total = -1;
        BalancerEndpoint? firstUntried = null;
        for (int step = 0, index = start; step < ring.PointCount; step++, index = index + 1 == ring.PointCount ? 0 : index + 1)
        {
            var owner = ring.OwnerAt(index);
            if (!rejected.IsEmpty)
            {
                ref var word = ref rejected[owner >> 6];
                var bit = 1UL << owner;
                if ((word & bit) != 0)
                {
                    continue;
                }

                word |= bit;
            }

            var endpoint = items[owner];
            if (tried.Count == 0 || !Contains(tried, endpoint))
            {
                firstUntried ??= endpoint;
                if (IsWithinBound(endpoint, ring.TotalWeight, ref total))
                {
                    return endpoint;
                }
            }

            if (!rejected.IsEmpty && --remaining == 0)
            {
                break;
            }
        }

        // Every endpoint is over the bound (possible only with racing counters) or tried: keep the key's own endpoint.
        return firstUntried ?? items[ring.OwnerAt(start)];
    }

    /// <summary>
    /// Whether in flight + 1 ≤ ⌈c × (L + 1) × w ÷ W⌉, that is in flight &lt; c × (L + 1) × w ÷ W, where L is the
    /// client's total in flight (one counter, read once per pick and only when needed: an idle endpoint always qualifies).
    /// </summary>
    private bool IsWithinBound(BalancerEndpoint endpoint, long totalWeight, ref int total)
    {
        var stats = endpoint.Stats;
        var inFlight = stats.InFlight;
        if (inFlight <= 0)
        {
            return true;
        }

        if (total < 0)
        {
            total = Math.Max(stats.ClientInFlight, 0);
        }

        return inFlight * (double)totalWeight < _loadBound * (total + 1) * endpoint.Weight;
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

    private static bool Contains(IReadOnlyList<BalancerEndpoint> tried, BalancerEndpoint endpoint)
    {
        for (var i = 0; i < tried.Count; i++)
        {
            // An endpoint re-created by a reload (new weight) is the same endpoint: compare by address too.
            if (ReferenceEquals(tried[i], endpoint) || string.Equals(tried[i].Key, endpoint.Key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
