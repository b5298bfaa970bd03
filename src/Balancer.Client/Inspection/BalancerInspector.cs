using Balancer.Client.Endpoints;
using Balancer.Client.Runtime;
using Balancer.Client.Selection;

namespace Balancer.Client.Inspection;

/// <summary>Builds snapshots from the live state of the started clients: lock-free reads, O(endpoints) per client.</summary>
internal sealed class BalancerInspector(IStartedClients registry) : IBalancerInspector
{
    /// <summary>The fewest recent successful attempts from which a p95 is reported.</summary>
    private const int MinimumPercentileSamples = 5;

    public BalancerClientSnapshot? GetSnapshot(string clientName)
    {
        ArgumentNullException.ThrowIfNull(clientName);
        return registry.GetStarted(clientName) is { } state ? Create(state) : null;
    }

    public IReadOnlyList<BalancerClientSnapshot> GetSnapshots() =>
        [.. registry.GetStarted().OrderBy(s => s.Name, StringComparer.Ordinal).Select(Create)];

    internal static BalancerClientSnapshot Create(ClientRuntime state)
    {
        var time = state.TimeProvider;
        var now = time.GetTimestamp();
        var utcNow = time.GetUtcNow();
        var set = state.EndpointSet;
        var all = set.Endpoints;
        var inspectable = state.Selector as IInspectableSelector;

        var recent = new double[all.Length];
        double total = 0;
        for (var i = 0; i < all.Length; i++)
        {
            recent[i] = all[i].Stats.GetRecentRequests(now);
            total += recent[i];
        }

        var endpoints = new EndpointSnapshot[all.Length];
        for (var i = 0; i < all.Length; i++)
        {
            var endpoint = all[i];
            var stats = endpoint.Stats;
            var health = endpoint.Health;
            var ejectedUntil = health.EjectedUntil;
            var cooldownUntil = health.CooldownUntil;
            var (score, note) = inspectable is null ? (null, null) : Score(inspectable, endpoint);
            endpoints[i] = new EndpointSnapshot
            {
                Address = endpoint.Address,
                Weight = endpoint.Weight,
                Zone = endpoint.Zone,
                Health = state.Health.GetStatus(endpoint, now),
                EjectedUntil = health.IsEjected(now) ? ToUtc(ejectedUntil) : null,
                EjectionCount = health.EjectionCount,
                CooldownUntil = health.IsCoolingDown(now) ? ToUtc(cooldownUntil) : null,
                SlowStartFactor = state.Health.SlowStartFactor(endpoint, now),
                InFlight = Math.Max(0, stats.InFlight),
                Latency = stats.Latency,
                LatencyEstimate = TimeSpan.FromSeconds(stats.GetLatencyEstimate(now)),
                LatencyP95 = stats.GetRecentPercentile(0.95, MinimumPercentileSamples),
                FailureRate = stats.FailureRate,
                ConsecutiveFailures = stats.ConsecutiveFailures,
                TotalRequests = stats.TotalRequests,
                TotalFailures = stats.TotalFailures,
                LastFailure = stats.LastFailure,
                RecentRequests = recent[i],
                Share = total > 0 ? recent[i] / total : 0,
                Score = score,
                ScoreNote = note,
            };
        }

        return new BalancerClientSnapshot
        {
            ClientName = state.Name,
            SelectorName = state.SelectorName,
            Transport = state.Transport,
            EndpointSetVersion = set.Version,
            Timestamp = utcNow,
            Panic = state.Health.IsPanicking(set, now),
            ScoreDescription = inspectable is null ? null : Describe(inspectable),
            Subset = DescribeSubset(state.Assembler.Subsetter),
            Endpoints = endpoints,
        };

        DateTimeOffset ToUtc(long timestamp) => utcNow + time.GetElapsedTime(now, timestamp);
    }

    private static string? DescribeSubset(IEndpointSubsetter? subsetter)
    {
        try
        {
            return subsetter?.Describe();
        }
        catch (Exception exception)
        {
            // A custom subsetter's broken description must not break the snapshot of the client.
            return $"Describe failed: {exception.GetType().Name}";
        }
    }

    private static (double? Value, string? Note) Score(IInspectableSelector selector, BalancerEndpoint endpoint)
    {
        try
        {
            return selector.GetScore(endpoint) is { } score ? (double.IsFinite(score.Value) ? score.Value : null, score.Note) : (null, null);
        }
        catch (Exception exception)
        {
            // A custom selector's broken inspection must not break the snapshot of the client.
            return (null, $"GetScore failed: {exception.GetType().Name}");
        }
    }

    private static string? Describe(IInspectableSelector selector)
    {
        try
        {
            return selector.ScoreDescription;
        }
        catch (Exception exception)
        {
            return $"ScoreDescription failed: {exception.GetType().Name}";
        }
    }
}
