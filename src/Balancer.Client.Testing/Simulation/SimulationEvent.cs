namespace Balancer.Client.Testing.Simulation;

/// <summary>One scheduled event: who handles it and its arguments.</summary>
internal readonly record struct SimulationEvent(ISimulationEventTarget Target, int Kind, int A, int B);
