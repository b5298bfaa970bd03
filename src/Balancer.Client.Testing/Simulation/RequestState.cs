namespace Balancer.Client.Testing.Simulation;

/// <summary>Where a simulated request is.</summary>
internal enum RequestState
{
    /// <summary>In the pool, not in use.</summary>
    Free,

    /// <summary>Arrived during a stall window; waits for it to close.</summary>
    Held,

    /// <summary>In the backend's first-in, first-out queue.</summary>
    Waiting,

    /// <summary>Being served; a completion event is scheduled.</summary>
    InService,

    /// <summary>Swallowed by a black hole; only the client's timeout ends it.</summary>
    Swallowed,
}
