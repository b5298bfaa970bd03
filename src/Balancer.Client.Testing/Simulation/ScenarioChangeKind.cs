namespace Balancer.Client.Testing.Simulation;

/// <summary>What a <see cref="ScenarioChange"/> does to its backend.</summary>
public enum ScenarioChangeKind
{
    /// <summary>Sets the slowdown factor (<see cref="ScenarioChange.Value"/>) for requests entering service from then on.</summary>
    SetSlowdown,

    /// <summary>Sets the share of requests answered at once with 503 (<see cref="ScenarioChange.Value"/>).</summary>
    SetFailureShare,

    /// <summary>Sets the share of requests whose connection is reset at once (<see cref="ScenarioChange.Value"/>).</summary>
    SetResetShare,

    /// <summary>Turns the black hole on (<see cref="ScenarioChange.Value"/> 1) or off (0); requests already swallowed stay so.</summary>
    SetBlackHole,

    /// <summary>Stops the backend: requests it holds are reset, new connections are refused (fast failures).</summary>
    Stop,

    /// <summary>Starts a stopped backend again, with an empty queue.</summary>
    Start,

    /// <summary>Opens a stall window of <see cref="ScenarioChange.Duration"/>: requests arriving until it closes wait for it.</summary>
    Stall,
}
