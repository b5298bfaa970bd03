using Balancer.Client.Inspection;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>The JSON answer of <c>{prefix}/api/snapshot</c>: every started client. Latencies in milliseconds, shares and rates from 0 to 1.</summary>
internal sealed record SnapshotDocument(DateTimeOffset Timestamp, IReadOnlyList<ClientDocument> Clients)
{
    public static SnapshotDocument From(IReadOnlyList<BalancerClientSnapshot> snapshots, DateTimeOffset timestamp, AddressRedactor addresses)
    {
        var clients = new ClientDocument[snapshots.Count];
        for (var i = 0; i < clients.Length; i++)
        {
            clients[i] = ClientDocument.From(snapshots[i], addresses);
        }

        return new SnapshotDocument(timestamp, clients);
    }
}

/// <summary>One client in the JSON snapshot.</summary>
internal sealed record ClientDocument(
    string Name,
    string Selector,
    string Transport,
    long EndpointSetVersion,
    DateTimeOffset Timestamp,
    bool Panic,
    string? ScoreDescription,
    IReadOnlyList<EndpointDocument> Endpoints,
    string? Subset = null)
{
    public static ClientDocument From(BalancerClientSnapshot snapshot, AddressRedactor addresses)
    {
        var endpoints = new EndpointDocument[snapshot.Endpoints.Count];
        for (var i = 0; i < endpoints.Length; i++)
        {
            endpoints[i] = EndpointDocument.From(snapshot.Endpoints[i], addresses);
        }

        return new ClientDocument(snapshot.ClientName, snapshot.SelectorName, snapshot.Transport, snapshot.EndpointSetVersion, snapshot.Timestamp, snapshot.Panic, snapshot.ScoreDescription, endpoints, snapshot.Subset);
    }
}

/// <summary>One endpoint in the JSON snapshot.</summary>
internal sealed record EndpointDocument(
    string Address,
    int Weight,
    string? Zone,
    string Health,
    DateTimeOffset? EjectedUntil,
    int EjectionCount,
    DateTimeOffset? CooldownUntil,
    double SlowStartFactor,
    int InFlight,
    double? LatencyMs,
    double LatencyEstimateMs,
    double? P95Ms,
    double FailureRate,
    int ConsecutiveFailures,
    long TotalRequests,
    long TotalFailures,
    DateTimeOffset? LastFailure,
    double RecentRequests,
    double Share,
    double? Score,
    string? ScoreNote)
{
    public static EndpointDocument From(EndpointSnapshot e, AddressRedactor addresses) => new(
        addresses.Show(e.Address),
        e.Weight,
        e.Zone,
        HealthName(e.Health),
        e.EjectedUntil,
        e.EjectionCount,
        e.CooldownUntil,
        Round(e.SlowStartFactor, 4),
        e.InFlight,
        e.Latency is { } latency ? Milliseconds(latency) : null,
        Milliseconds(e.LatencyEstimate),
        e.LatencyP95 is { } p95 ? Milliseconds(p95) : null,
        Round(e.FailureRate, 4),
        e.ConsecutiveFailures,
        e.TotalRequests,
        e.TotalFailures,
        e.LastFailure,
        Round(e.RecentRequests, 3),
        Round(e.Share, 4),
        e.Score is { } score && double.IsFinite(score) ? Round(score, 4) : null,
        e.ScoreNote);

    internal static string HealthName(EndpointHealthStatus health) => health switch
    {
        EndpointHealthStatus.Healthy => "healthy",
        EndpointHealthStatus.SlowStart => "slow-start",
        EndpointHealthStatus.FailingHealthChecks => "failing-health-checks",
        EndpointHealthStatus.CoolingDown => "cooling-down",
        EndpointHealthStatus.Ejected => "ejected",
        EndpointHealthStatus.Unreachable => "unreachable",
        _ => "unknown",
    };

    private static double Milliseconds(TimeSpan time) => Round(time.TotalMilliseconds, 3);

    private static double Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : 0;
}
