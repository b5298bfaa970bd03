using Balancer.Client.Endpoints;

namespace Balancer.Client.Runtime;

/// <summary>The <see cref="IEndpointHealthControl"/> of one client: reads and ejects through its runtime's health monitor.</summary>
internal sealed class EndpointHealthControl(ClientRuntime runtime) : IEndpointHealthControl
{
    public IReadOnlyList<EndpointVerdict> GetVerdicts()
    {
        var time = runtime.TimeProvider;
        var (now, utcNow) = (time.GetTimestamp(), time.GetUtcNow());
        return runtime.Health.GetVerdicts(runtime.EndpointSet, now)
            .ConvertAll(v => new EndpointVerdict(v.Endpoint, v.Reason, v.Until == 0 ? null : utcNow + time.GetElapsedTime(now, v.Until)));
    }

    public bool Eject(BalancerEndpoint endpoint, TimeSpan duration, string reason)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var set = runtime.EndpointSet;
        return Array.IndexOf(set.Endpoints, endpoint) >= 0
            && runtime.Health.EjectOnOutsideEvidence(endpoint, set, duration, reason, runtime.TimeProvider.GetTimestamp());
    }
}
