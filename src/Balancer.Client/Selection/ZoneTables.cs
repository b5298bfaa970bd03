using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// One snapshot split by zone for weighted sampling: <see cref="Local"/> holds the endpoints of the local zone when
/// there are both local and remote ones, and <see cref="Other"/> the rest; otherwise <see cref="Local"/> is null and
/// <see cref="Other"/> holds all. Built once per pool and local zone (see <see cref="Get"/>).
/// </summary>
internal sealed class ZoneTables
{
    private ZoneTables(IReadOnlyList<BalancerEndpoint> source, string? localZone)
    {
        Source = source;
        LocalZone = localZone;
        var local = new List<BalancerEndpoint>();
        var remote = new List<BalancerEndpoint>();
        foreach (var endpoint in source)
        {
            var isLocal = localZone is not null && string.Equals(endpoint.Zone, localZone, StringComparison.OrdinalIgnoreCase);
            (isLocal ? local : remote).Add(endpoint);
        }

        if (local.Count > 0 && remote.Count > 0)
        {
            Local = new WeightTable(local);
            Other = new WeightTable(remote);
        }
        else
        {
            Other = new WeightTable(source);
        }
    }

    public IReadOnlyList<BalancerEndpoint> Source { get; }

    public string? LocalZone { get; }

    public WeightTable? Local { get; }

    public WeightTable Other { get; }

    /// <summary>
    /// The tables of <paramref name="endpoints"/> for <paramref name="localZone"/>: those in <paramref name="cache"/>
    /// when they were built for the same list instance and zone, otherwise new ones, kept in the cache only when the
    /// endpoints are the whole pool (a retry's narrower candidates do not evict the snapshot's tables).
    /// </summary>
    public static ZoneTables Get(ref ZoneTables? cache, IReadOnlyList<BalancerEndpoint> endpoints, bool isPool, string? localZone)
    {
        var current = Volatile.Read(ref cache);
        if (current is not null && ReferenceEquals(current.Source, endpoints) && string.Equals(current.LocalZone, localZone, StringComparison.Ordinal))
        {
            return current;
        }

        var built = new ZoneTables(endpoints, localZone);
        if (isPool)
        {
            Volatile.Write(ref cache, built);
        }

        return built;
    }
}
