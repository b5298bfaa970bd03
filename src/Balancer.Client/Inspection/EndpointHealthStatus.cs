namespace Balancer.Client.Inspection;

/// <summary>Whether an endpoint may receive traffic, and if not why. When several apply, the one listed last is reported.</summary>
public enum EndpointHealthStatus
{
    /// <summary>The endpoint receives its full share.</summary>
    Healthy,

    /// <summary>The endpoint is ramping up after it was added by a reload or came back from ejection (see <see cref="EndpointSnapshot.SlowStartFactor"/>).</summary>
    SlowStart,

    /// <summary>Active health checks are on and the endpoint has not passed them (or not yet): it receives no traffic.</summary>
    FailingHealthChecks,

    /// <summary>The endpoint asked for a pause with <c>Retry-After</c> on a 429 or 503 and receives no traffic until <see cref="EndpointSnapshot.CooldownUntil"/>.</summary>
    CoolingDown,

    /// <summary>Outlier detection ejected the endpoint; it receives no traffic until <see cref="EndpointSnapshot.EjectedUntil"/>.</summary>
    Ejected,

    /// <summary>A connection to the endpoint failed (refused, unreachable, timed out); it receives no traffic until a reconnect check connects.</summary>
    Unreachable,
}
