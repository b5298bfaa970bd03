using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// The walk of consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam) over a <see cref="HashRing"/>:
/// from a key's position, the first endpoint that was not tried by an earlier attempt and whose requests in flight,
/// counting this one, stay within ⌈c × (L + 1) × weight ÷ Σweight⌉, L being the client's requests in flight. Each
/// endpoint is judged once however many points it owns (a bit per endpoint on the stack, up to
/// <see cref="ConsistentHashConstants.MaxTrackedEndpoints"/> endpoints); no lock, no allocation, O(1) on average.
/// </summary>
internal static class BoundedLoadWalk
{
    /// <summary>
    /// The endpoint for a key at <paramref name="position"/>: the first owner on the walk from there that is not in
    /// <paramref name="tried"/> and within the load bound c = <paramref name="loadBound"/>; when none is, the first
    /// untried owner, or the key's own endpoint when all were tried.
    /// </summary>
    public static BalancerEndpoint Walk(HashRing ring, uint position, IReadOnlyList<BalancerEndpoint> tried, double loadBound)
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
                if (IsWithinBound(endpoint, ring.TotalWeight, loadBound, ref total))
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
    private static bool IsWithinBound(BalancerEndpoint endpoint, long totalWeight, double loadBound, ref int total)
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

        return inFlight * (double)totalWeight < loadBound * (total + 1) * endpoint.Weight;
    }

    private static bool Contains(IReadOnlyList<BalancerEndpoint> tried, BalancerEndpoint endpoint) => BalancerEndpoint.IsAmong(tried, endpoint);
}
