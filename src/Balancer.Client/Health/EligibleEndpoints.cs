using Balancer.Client.Endpoints;

namespace Balancer.Client.Health;

/// <summary>
/// The endpoints of one snapshot that may receive traffic now. Cached until the snapshot, the health version or the
/// next scheduled change (an ejection or cool-down ending) invalidates it. When every endpoint is eligible (the usual
/// case) <see cref="Endpoints"/> is the snapshot's own array, so selectors keep their per-snapshot caches.
/// </summary>
internal sealed class EligibleEndpoints(EndpointSet source, long version, long validUntil, BalancerEndpoint[] endpoints, bool panic)
{
    public EndpointSet Source => source;

    public long Version => version;

    /// <summary>The timestamp at which the eligibility must be computed again (long.MaxValue: only on a change).</summary>
    public long ValidUntil => validUntil;

    public BalancerEndpoint[] Endpoints => endpoints;

    /// <summary>Whether fewer endpoints than the panic threshold were eligible.</summary>
    public bool Panic => panic;
}
