using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection.Pipeline;

/// <summary>
/// The second step of the selection pipeline: leaves out of the pool the endpoints that earlier attempts of the request
/// went to, compared by address, so that an endpoint re-created by a reload (new weight) counts as tried. Allocates
/// nothing when nothing or a single endpoint is left out: the pool itself, or a view of it without that endpoint,
/// made once per pool and endpoint and kept with the last pool only (so nothing outlives an endpoint that went away).
/// </summary>
internal sealed class NotTriedFilter
{
    private Views? _views;

    /// <summary>
    /// The endpoints of <paramref name="pool"/> not in <paramref name="tried"/>, in pool order: the pool instance itself
    /// when none of it was tried, an empty list when all of it was.
    /// </summary>
    public IReadOnlyList<BalancerEndpoint> Apply(BalancerEndpoint[] pool, BalancerEndpoint[] tried)
    {
        if (tried.Length == 0)
        {
            return pool;
        }

        var excluded = 0;
        var lastExcluded = -1;
        for (var i = 0; i < pool.Length; i++)
        {
            if (Contains(tried, pool[i]))
            {
                excluded++;
                lastExcluded = i;
            }
        }

        if (excluded == 0)
        {
            return pool;
        }

        if (excluded == pool.Length)
        {
            return [];
        }

        if (excluded == 1)
        {
            return GetView(pool, lastExcluded);
        }

        var remaining = new BalancerEndpoint[pool.Length - excluded];
        var next = 0;
        foreach (var endpoint in pool)
        {
            if (!Contains(tried, endpoint))
            {
                remaining[next++] = endpoint;
            }
        }

        return remaining;
    }

    private static bool Contains(BalancerEndpoint[] tried, BalancerEndpoint endpoint)
    {
        foreach (var t in tried)
        {
            if (t.IsSameEndpoint(endpoint))
            {
                return true;
            }
        }

        return false;
    }

    private ExceptOneList GetView(BalancerEndpoint[] pool, int skipped)
    {
        var views = Volatile.Read(ref _views);
        if (views is null || !ReferenceEquals(views.Pool, pool))
        {
            views = new Views(pool);
            Volatile.Write(ref _views, views);
        }

        ref var slot = ref views.Items[skipped];
        return Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, new ExceptOneList(pool, skipped), null) ?? slot;
    }

    private sealed class Views(BalancerEndpoint[] pool)
    {
        public BalancerEndpoint[] Pool => pool;

        public ExceptOneList?[] Items { get; } = new ExceptOneList?[pool.Length];
    }
}
