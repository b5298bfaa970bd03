using Balancer.Client.Feedback;

namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// One request of a run, pooled: every reuse bumps <see cref="Version"/>, so that queue entries and events that still
/// refer to an earlier use are recognized as stale (see <see cref="RequestRef"/>).
/// </summary>
internal sealed class SimulatedRequest(int id)
{
    public int Id { get; } = id;

    public int Version { get; set; }

    public RequestState State { get; set; }

    public SimulatedBackend Backend { get; set; } = null!;

    public long ArrivalTicks { get; set; }

    /// <summary>The index of the request's class in the scenario's <see cref="ScenarioDefinition.RequestClasses"/> (0 when it has none).</summary>
    public int ClassIndex { get; set; }

    public EndpointLease Lease { get; set; }

    /// <summary>The position in <see cref="SimulatedBackend"/>'s list of requests it holds, or -1.</summary>
    public int ResidentIndex { get; set; } = -1;
}
