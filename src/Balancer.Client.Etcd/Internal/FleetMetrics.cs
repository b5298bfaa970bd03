using System.Diagnostics.Metrics;
using Balancer.Client.Diagnostics;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// The fleet's instruments, under the library's meter (<c>Balancer.Client</c>, from <see cref="IMeterFactory"/> when
/// the container has one): members seen, whether etcd is followed, ejections on the fleet's quorum and endpoints
/// seeded from the fleet, each tagged with <c>balancer.client</c>. Observed only when a listener asks.
/// </summary>
internal sealed class FleetMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly object _lock = new();
    private EtcdFleet[] _fleets = [];

    public FleetMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(BalancerDiagnostics.Name) ?? (_ownedMeter = new Meter(BalancerDiagnostics.Name));
        meter.CreateObservableGauge("balancer.client.fleet.members", () => Observe(f => f.Members.Count), "{member}", "Members of the client's fleet seen in etcd, this instance included.");
        meter.CreateObservableGauge("balancer.client.fleet.connected", () => Observe(f => f.IsConnected ? 1 : 0), "{state}", "1 while the fleet is followed in etcd, 0 while etcd cannot be reached (the last members are kept).");
        meter.CreateObservableCounter("balancer.client.fleet.ejections", () => Observe(f => f.Estimates?.FleetEjected ?? 0), "{ejection}", "Endpoints ejected on the quorum of the fleet's other members.");
        meter.CreateObservableCounter("balancer.client.fleet.seeded", () => Observe(f => f.Estimates?.Seeded ?? 0), "{endpoint}", "Endpoints that started from the fleet's estimates (warm start).");
    }

    public void Add(EtcdFleet fleet)
    {
        lock (_lock)
        {
            _fleets = [.. _fleets, fleet];
        }
    }

    public void Remove(EtcdFleet fleet)
    {
        lock (_lock)
        {
            _fleets = [.. _fleets.Where(f => f != fleet)];
        }
    }

    public void Dispose() => _ownedMeter?.Dispose();

    private IEnumerable<Measurement<int>> Observe(Func<EtcdFleet, int> value)
    {
        foreach (var fleet in Volatile.Read(ref _fleets))
        {
            yield return new Measurement<int>(value(fleet), new KeyValuePair<string, object?>("balancer.client", fleet.ClientName));
        }
    }
}
