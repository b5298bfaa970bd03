using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>Every contender the lab knows, in the order tables list them, and which of them run in a scenario.</summary>
internal static class ContenderCatalog
{
    public const string HedgingName = EndpointSelectorNames.PeakEwma + "+Hedging";

    public const string FleetName = EndpointSelectorNames.LeastLatency + "+Fleet";

    public static IReadOnlyList<LabContender> All { get; } =
    [
        new BalancedContender(EndpointSelectorNames.RoundRobin),
        new BalancedContender(EndpointSelectorNames.Random),
        new BalancedContender(EndpointSelectorNames.PowerOfTwoChoices),
        new BalancedContender(EndpointSelectorNames.PeakEwma),
        new BalancedContender(EndpointSelectorNames.LeastLatency),
        new BalancedContender(EndpointSelectorNames.WeightedRoundRobin),
        new BalancedContender(EndpointSelectorNames.MlScored),
        new BalancedContender(EndpointSelectorNames.Prequal),
        new BalancedContender(EndpointSelectorNames.PeakEwma, hedging: true),
        new FleetContender(EndpointSelectorNames.LeastLatency),
        new ServiceDiscoveryContender(),
        new NaiveRoundRobinContender(),
        ProxyContender.Haproxy,
        ProxyContender.Nginx,
        YarpContender.LeastRequests,
        YarpContender.PowerOfTwoChoices,
        new OracleContender(),
    ];

    public static IReadOnlyList<string> AllNames { get; } = [.. All.Select(c => c.Name)];

    /// <summary>
    /// Returns the contenders of <paramref name="scenario"/>: those named in <paramref name="requested"/>, or by default
    /// all of them, with hedging only in the stall scenario (where it is meant to help); the etcd fleet runs only when
    /// named (it starts an etcd of its own, and is meant for <c>--clients</c> above 1), and so does Prequal (its backends run <c>UseBalancerLoadReports</c>).
    /// </summary>
    public static IReadOnlyList<LabContender> For(ScenarioDefinition scenario, IReadOnlyList<string>? requested)
    {
        if (requested is not null)
        {
            return [.. All.Where(c => requested.Contains(c.Name, StringComparer.OrdinalIgnoreCase))];
        }

        var stall = string.Equals(scenario.Name, Scenarios.Stall.Name, StringComparison.OrdinalIgnoreCase);
        return [.. All.Where(c => (stall || c.Name != HedgingName) && c.Name != FleetName && c.Name != EndpointSelectorNames.Prequal)];
    }
}
