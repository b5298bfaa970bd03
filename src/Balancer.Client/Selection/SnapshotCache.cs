using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>Data a selector derives from one endpoint list.</summary>
internal interface ISnapshotDerived
{
    IReadOnlyList<BalancerEndpoint> Source { get; }
}

/// <summary>
/// Keeps the data a selector derived from the last endpoint list it saw, keyed on the list instance, so that a pick
/// costs no allocation while the snapshot stays the same. Lists made for one retry are never cached.
/// </summary>
internal struct SnapshotCache<T>
    where T : class, ISnapshotDerived
{
    private T? _current;

    public T Get(IReadOnlyList<BalancerEndpoint> endpoints, Func<IReadOnlyList<BalancerEndpoint>, T> build)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Source, endpoints))
        {
            return current;
        }

        var built = build(endpoints);
        if (endpoints is not RetryEndpointList)
        {
            Volatile.Write(ref _current, built);
        }

        return built;
    }
}

/// <summary>The endpoints left for a retry after removing those already tried; used once, never cached.</summary>
/// <param name="items">The endpoints left.</param>
/// <param name="pool">The eligible endpoints they were taken from (the cached snapshot), when known.</param>
internal sealed class RetryEndpointList(BalancerEndpoint[] items, IReadOnlyList<BalancerEndpoint>? pool = null) : IReadOnlyList<BalancerEndpoint>
{
    /// <summary>Gets the eligible endpoints the list was taken from, so a selector may reuse what it derived from them.</summary>
    public IReadOnlyList<BalancerEndpoint>? Pool => pool;

    public BalancerEndpoint this[int index] => items[index];

    public int Count => items.Length;

    public IEnumerator<BalancerEndpoint> GetEnumerator() => ((IEnumerable<BalancerEndpoint>)items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => items.GetEnumerator();
}
