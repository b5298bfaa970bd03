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
/// still do. The zone split of each snapshot is cached (<see cref="ZoneTables"/>); a pick reads a few fields per candidate and takes no lock.
/// </summary>
internal sealed class NetworkAwareSelector : IEndpointSelector, IReconfigurableSelector
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

    /// <inheritdoc />
    public bool UsesNetworkProbes => true;

    /// <inheritdoc />
    public void Reconfigure(BalancerOptions options) => Configure(options.NetworkAware);

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
        var tables = ZoneTables.Get(ref _tables, endpoints, ReferenceEquals(endpoints, context.Pool), settings.LocalZone);
        var now = context.GetTimestamp(_timeProvider);
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
        var (roundTrip, deviation) = stats.Network.ReadMeasured();
        var latency = stats.GetLatencyEstimate(timestamp);
        var queue = (stats.InFlight + 1) / (double)endpoint.Weight;
        var penalty = FailurePenalty.Of(stats, timestamp) * FailurePenalty.Doubling(stats.Network.ConsecutiveFailures);
        var path = roundTrip + deviation;
        typical = (path + (Math.Max(Math.Min(latency, stats.PriorLatency) - roundTrip, 0) * queue)) * penalty;
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

    private sealed record Settings(string? LocalZone, double CrossZonePenalty, double SpilloverThreshold);
}
