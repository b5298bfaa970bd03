using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Testing.Simulation;

/// <summary>What a contender's factory gets to create the selector of one simulated client instance.</summary>
public sealed class SimulationClientContext
{
    internal SimulationClientContext(int clientIndex, int clientCount, IReadOnlyList<BalancerEndpoint> endpoints, SimulationClock clock, int seed, IReadOnlyList<SimulatedBackend> backends, ClientStats feedback, BackendCosts costs)
    {
        ClientIndex = clientIndex;
        ClientCount = clientCount;
        Endpoints = endpoints;
        Clock = clock;
        Seed = seed;
        Backends = backends;
        Feedback = feedback;
        Costs = costs;
    }

    /// <summary>Gets the position of the client instance, from 0 to <see cref="ClientCount"/> − 1.</summary>
    public int ClientIndex { get; }

    /// <summary>Gets the number of independent client instances in the run.</summary>
    public int ClientCount { get; }

    /// <summary>
    /// Gets the client's own endpoints, one per backend in scenario order, with statistics that only this client's
    /// feedback tracker updates. The selector is always called with this list instance.
    /// </summary>
    public IReadOnlyList<BalancerEndpoint> Endpoints { get; }

    /// <summary>Gets the virtual clock of the run.</summary>
    public SimulationClock Clock { get; }

    /// <summary>Gets the seed for the selector's random choices, derived from the run's seed and the client's position.</summary>
    public int Seed { get; }

    /// <summary>
    /// Gets the live state of the backends, in the order of <see cref="Endpoints"/>. A real selector cannot know it;
    /// it is here for oracles that show the best achievable balance.
    /// </summary>
    public IReadOnlyList<SimulatedBackend> Backends { get; }

    /// <summary>The client's feedback settings (clock, decay time, latency prior), as the library's selector factories take them.</summary>
    internal ClientStats Feedback { get; }

    /// <summary>The backends' expected times to an answer, for the oracle.</summary>
    internal BackendCosts Costs { get; }
}
