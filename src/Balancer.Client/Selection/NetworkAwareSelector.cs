using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Network- and zone-aware two-choice selector. Cost = round trip + deviation (from <see cref="Feedback.NetworkStats"/>)
/// + server time × (in flight + 1) ÷ weight, where server time is the peak-EWMA latency less the round trip; the whole
/// is multiplied by the failure penalties of requests and of connections. With a local zone, the best of two local
/// candidates is compared with the best of two remote ones: the request spills over only when no local endpoint is
/// eligible, or when the local candidate's typical cost exceeds the spill-over threshold times the remote one's plus
/// the cross-zone penalty. The typical cost caps the latency at the client-wide average, so that a latency peak (which
/// peak EWMA keeps for a while) does not send a whole zone's traffic across, while queues (in flight) and failures
/// still do. Per-snapshot tables are cached; a pick reads a few fields per candidate and takes no lock.
/// </summary>
internal sealed class NetworkAwareSelector : IEndpointSelector
{
    private readonly RandomSource _random;
    private readonly TimeProvider _timeProvider;
    private Settings _settings = null!;
    private ZoneTables? _tables;

    public NetworkAwareSelector(RandomSource random, TimeProvider timeProvider, NetworkAwareOptions options)
    {
        _random = random;
        _timeProvider = timeProvider;
        Configure(options);
    }

    /// <summary>The zone the selector prefers (after the environment fallback), or null.</summary>
    public string? LocalZone => Volatile.Read(ref _settings).LocalZone;

    /// <summary>Applies (re)loaded options; the next pick uses them.</summary>
    public void Configure(NetworkAwareOptions options) =>
        Volatile.Write(ref _settings, new Settings(options.ResolveLocalZone(), options.CrossZonePenalty.TotalSeconds, options.SpilloverThreshold));

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count == 0)
        {
            return null;
        }

        var settings = Volatile.Read(ref _settings);
        var tables = GetTables(endpoints, ReferenceEquals(endpoints, context.Pool), settings);
        var now = _timeProvider.GetTimestamp();
        if (tables.Local is null)
        {
            return Best(tables.Other, now, out _);
        }

        // A local candidate cheaper than the threshold times the bare penalty stays, whatever the remote ones cost.
        var local = Best(tables.Local, now, out var localTypical);
        var floor = settings.SpilloverThreshold * settings.CrossZonePenalty;
        if (localTypical <= floor)
        {
            return local;
        }

        var other = Best(tables.Other, now, out var otherTypical);
        return localTypical > floor + (settings.SpilloverThreshold * otherTypical) ? other : local;
    }

    /// <summary>
    /// The cost of sending the next request to <paramref name="endpoint"/>, in seconds, and its typical cost (the same
    /// with the latency counted for no more than the client-wide average, the neutral prior), for the zone decision.
    /// </summary>
    internal static double Cost(BalancerEndpoint endpoint, long timestamp, out double typical)
    {
        var stats = endpoint.Stats;
        var network = stats.Network;
        var (roundTrip, deviation) = network.Read();
        if (double.IsNaN(roundTrip))
        {
            roundTrip = 0;
        }

        var latency = stats.GetLatencyEstimate(timestamp);
        var queue = (stats.InFlight + 1) / (double)endpoint.Weight;
        var penalty = FailurePenalty.Of(stats, timestamp) * network.FailurePenalty;
        var path = roundTrip + deviation;
        typical = (path + (Math.Max(Math.Min(latency, stats.Settings.Prior.Estimate) - roundTrip, 0) * queue)) * penalty;
        return (path + (Math.Max(latency - roundTrip, 0) * queue)) * penalty;
    }

    private BalancerEndpoint Best(WeightTable table, long now, out double typical)
    {
        var (first, second) = table.SampleTwo(_random);
        var a = table.Items[first];
        var costA = Cost(a, now, out typical);
        if (first == second)
        {
            return a;
        }

        var b = table.Items[second];
        if (Cost(b, now, out var typicalB) < costA)
        {
            typical = typicalB;
            return b;
        }

        return a;
    }

    private ZoneTables GetTables(IReadOnlyList<BalancerEndpoint> endpoints, bool isPool, Settings settings)
    {
        var current = Volatile.Read(ref _tables);
        if (current is not null && ReferenceEquals(current.Source, endpoints) && ReferenceEquals(current.Settings, settings))
        {
            return current;
        }

        var built = new ZoneTables(endpoints, settings);
        if (isPool)
        {
            Volatile.Write(ref _tables, built);
        }

        return built;
    }

    private sealed record Settings(string? LocalZone, double CrossZonePenalty, double SpilloverThreshold);

    /// <summary>
    /// One snapshot split by zone: <see cref="Local"/> holds the local endpoints when there are both local and remote
    /// ones, and <see cref="Other"/> the rest; otherwise <see cref="Local"/> is null and <see cref="Other"/> holds all.
    /// </summary>
    private sealed class ZoneTables
    {
        public ZoneTables(IReadOnlyList<BalancerEndpoint> source, Settings settings)
        {
            Source = source;
            Settings = settings;
            var local = new List<BalancerEndpoint>();
            var remote = new List<BalancerEndpoint>();
            foreach (var endpoint in source)
            {
                var isLocal = settings.LocalZone is not null && string.Equals(endpoint.Zone, settings.LocalZone, StringComparison.OrdinalIgnoreCase);
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

        public Settings Settings { get; }

        public WeightTable? Local { get; }

        public WeightTable Other { get; }
    }
}
