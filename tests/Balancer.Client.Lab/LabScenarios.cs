using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>The scenario catalogue as the lab sees it: the simulator's, less what real backends cannot do on this machine.</summary>
internal static class LabScenarios
{
    public static IReadOnlyList<ScenarioDefinition> All => Scenarios.All;

    public static IReadOnlyDictionary<string, string> Excluded { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [Scenarios.Large.Name] = "1,000 Kestrel hosts in one process on 2 cores would measure the machine, not the balancer, and at a capped rate each backend would see under one request per second; the simulator covers it",
    };
}
