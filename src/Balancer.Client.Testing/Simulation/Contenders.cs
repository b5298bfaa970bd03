using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Testing.Simulation;

/// <summary>The contenders that come with the simulator: every built-in selector, and an oracle to compare them with.</summary>
public static class Contenders
{
    private static readonly EndpointSelectorRegistry s_registry = new([], []);

    /// <summary>Gets the names of the built-in selectors, sorted (see <see cref="EndpointSelectorNames"/>).</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = [.. s_registry.Names];

    /// <summary>Gets a contender for every built-in selector, sorted by name.</summary>
    public static IReadOnlyList<SimulationContender> BuiltIn { get; } = [.. BuiltInNames.Select(ForSelector)];

    /// <summary>
    /// Gets a selector that no client can have: it sees every backend's true queue, capacity, current mean service
    /// time, stalls and faults, and sends each request where its expected time to a successful answer is smallest.
    /// It shows the best balance the scenario allows, to put the others in proportion.
    /// </summary>
    public static SimulationContender Oracle { get; } = new(nameof(Oracle), c =>
    {
        c.Costs.Enable(c.Backends);
        return new OracleSelector(c.Endpoints, c.Costs, c.Clock, RandomSource.Create(c.Seed));
    });

    /// <summary>Gets every built-in selector followed by the <see cref="Oracle"/>.</summary>
    public static IReadOnlyList<SimulationContender> All { get; } = [.. BuiltIn, Oracle];

    /// <summary>Gets the contender for the built-in selector named <paramref name="selectorName"/> (case-insensitive).</summary>
    /// <param name="selectorName">A name from <see cref="EndpointSelectorNames"/>.</param>
    /// <returns>A contender that creates the selector as a balanced client would, seeded and on the simulation clock.</returns>
    /// <exception cref="ArgumentException">No built-in selector has that name.</exception>
    public static SimulationContender ForSelector(string selectorName)
    {
        ArgumentNullException.ThrowIfNull(selectorName);
        var name = BuiltInNames.FirstOrDefault(n => string.Equals(n, selectorName, StringComparison.OrdinalIgnoreCase));
        if (name is null)
        {
            throw new ArgumentException($"'{selectorName}' is not a built-in selector; known: {string.Join(", ", s_registry.Names)}.", nameof(selectorName));
        }

        return new SimulationContender(name, c => s_registry.Create(new SelectorFactoryContext(
            $"simulation-{c.ClientIndex}",
            new BalancerOptions { Selector = name, RandomSeed = c.Seed },
            c.Feedback,
            EmptyServiceProvider.Instance)));
    }

    /// <summary>
    /// Returns <paramref name="contender"/> with deterministic subsetting (<see cref="BalancerOptions.Subsetting"/>):
    /// each client instance of a run, with its index as instance id and the run's client count as instance count,
    /// chooses only among its own subset of about <paramref name="subsetSize"/> backends.
    /// </summary>
    /// <param name="contender">The contender whose selector chooses within the subset.</param>
    /// <param name="subsetSize">The subset size, at least 1.</param>
    /// <returns>A contender named after <paramref name="contender"/> and the subset size, such as <c>RoundRobin/subset-20</c>.</returns>
    public static SimulationContender WithSubsetting(SimulationContender contender, int subsetSize)
    {
        ArgumentNullException.ThrowIfNull(contender);
        ArgumentOutOfRangeException.ThrowIfLessThan(subsetSize, 1);
        return new SimulationContender($"{contender.Name}/subset-{subsetSize}", c =>
        {
            var chosen = DeterministicSubsetting.Select([.. c.Endpoints.Select(e => e.Key)], subsetSize, c.ClientIndex, c.ClientCount);
            return new SubsetSelector(contender.CreateSelector(c), [.. c.Endpoints.Where((_, i) => chosen[i])]);
        });
    }
}
