using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>Data a selector derives from one endpoint list.</summary>
internal interface ISnapshotDerived
{
    IReadOnlyList<BalancerEndpoint> Source { get; }
}

/// <summary>
/// Keeps the data a selector derived from the last pool it saw, keyed on the list instance, so that a pick costs no
/// allocation while the snapshot stays the same. Candidates narrower than the pool (a retry's) are never cached, so a
/// retry does not evict the snapshot's data.
/// </summary>
internal struct SnapshotCache<T>
    where T : class, ISnapshotDerived
{
    private T? _current;

    /// <summary>The data derived from the candidates of <paramref name="context"/>, kept when they are the whole pool.</summary>
    public T Get(in SelectionContext context, Func<IReadOnlyList<BalancerEndpoint>, T> build) =>
        Get(context.Endpoints, ReferenceEquals(context.Endpoints, context.Pool), build);

    /// <summary>The data derived from the pool of <paramref name="context"/>, whatever its candidates; always kept.</summary>
    public T GetForPool(in SelectionContext context, Func<IReadOnlyList<BalancerEndpoint>, T> build) =>
        Get(context.Pool, keep: true, build);

    private T Get(IReadOnlyList<BalancerEndpoint> endpoints, bool keep, Func<IReadOnlyList<BalancerEndpoint>, T> build)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Source, endpoints))
        {
            return current;
        }

        var built = build(endpoints);
        if (keep)
        {
            Volatile.Write(ref _current, built);
        }

        return built;
    }
}
