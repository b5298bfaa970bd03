using Balancer.Client.Selection;

namespace Balancer.Client.Testing.Simulation;

/// <summary>A named way of balancing that the simulator compares with others: a factory of one selector per client instance.</summary>
public sealed class SimulationContender
{
    private readonly Func<SimulationClientContext, IEndpointSelector> _factory;

    /// <summary>Initializes a contender.</summary>
    /// <param name="name">The name shown in results.</param>
    /// <param name="factory">Creates the selector of one client instance; called once per client instance and run.</param>
    public SimulationContender(string name, Func<SimulationClientContext, IEndpointSelector> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        Name = name;
        _factory = factory;
    }

    /// <summary>Gets the name shown in results.</summary>
    public string Name { get; }

    /// <summary>Creates the selector of one client instance.</summary>
    /// <param name="context">The client instance's endpoints, clock and seed.</param>
    /// <returns>The selector.</returns>
    public IEndpointSelector CreateSelector(SimulationClientContext context) =>
        _factory(context) ?? throw new InvalidOperationException($"The factory of contender '{Name}' returned null.");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
