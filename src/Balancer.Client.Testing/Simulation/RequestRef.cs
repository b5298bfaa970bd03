namespace Balancer.Client.Testing.Simulation;

/// <summary>A reference to one use of a pooled request; stale once the request finished.</summary>
internal readonly record struct RequestRef(SimulatedRequest Request, int Version)
{
    public bool IsLive => Request.Version == Version;
}
