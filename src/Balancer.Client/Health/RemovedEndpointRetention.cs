using Balancer.Client.Endpoints;

namespace Balancer.Client.Health;

/// <summary>
/// How long the state of an endpoint removed from a client's set is kept for its return (see
/// <see cref="RemovedEndpoints"/>): <see cref="OutlierDetectionOptions.BaseEjectionTime"/>, or longer while it is
/// ejected or cooling down, so that leaving and coming back never shortens an ejection or a <c>Retry-After</c>.
/// </summary>
internal static class RemovedEndpointRetention
{
    public static long KeepUntil(BalancerEndpoint endpoint, HealthOptions options, long now, long timestampFrequency)
    {
        var health = endpoint.Health;
        var window = now + (long)(options.OutlierDetection.BaseEjectionTime.TotalSeconds * timestampFrequency);
        return Math.Max(window, Math.Max(health.EjectedUntil, health.CooldownUntil));
    }
}
