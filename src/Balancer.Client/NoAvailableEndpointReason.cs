namespace Balancer.Client;

/// <summary>Why a balanced client could not select an endpoint.</summary>
public enum NoAvailableEndpointReason
{
    /// <summary>The client has no endpoint configured.</summary>
    NoEndpoints,

    /// <summary>Endpoints exist, but none is available: the selector returned none (for example all are unhealthy).</summary>
    AllUnavailable,

    /// <summary>Every eligible endpoint was already tried by an earlier attempt of the same request, and reuse is off.</summary>
    AllTried,
}
