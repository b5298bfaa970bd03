namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// One kind of request of a scenario: its path, which the selector sees on the request and which backends may serve at
/// their own speed (<see cref="SimulatedBackendSpec.PathSlowdown"/>), and its share of the arrivals.
/// </summary>
/// <param name="Path">The request's path, starting with <c>/</c>, such as <c>/a</c>; unique within the scenario.</param>
/// <param name="Share">The relative share of arrivals, more than zero (shares need not add up to 1).</param>
public sealed record RequestClass(string Path, double Share = 1);
