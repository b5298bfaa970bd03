using System.Collections.Frozen;
using Balancer.Client.Feedback;
using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Selection;

/// <summary>What a selector factory gets: the client, its options and shared services.</summary>
/// <param name="ClientName">The client.</param>
/// <param name="Options">Its validated options.</param>
/// <param name="Feedback">Its shared feedback settings (time provider, decay time).</param>
/// <param name="Services">The application's services.</param>
/// <param name="ProbeTransport">The client's transport without the balancer, for selectors that probe the endpoints (<see langword="null"/>: none).</param>
internal readonly record struct SelectorFactoryContext(string ClientName, BalancerOptions Options, ClientStats Feedback, IServiceProvider Services, Health.IHealthCheckTransport? ProbeTransport = null);

/// <summary>A selector registered by name through <c>AddEndpointSelector</c>.</summary>
internal sealed record EndpointSelectorRegistration(string Name, Func<IServiceProvider, IEndpointSelector> Factory);

/// <summary>A selector set for one client by type or factory through <c>UseEndpointSelector</c>; wins over the name in options.</summary>
internal sealed record ClientSelectorOverride(string ClientName, string DisplayName, Func<IServiceProvider, IEndpointSelector> Factory);

/// <summary>Maps selector names (case-insensitive) to factories: the built-in ones and those registered through DI.</summary>
internal sealed class EndpointSelectorRegistry
{
    private static readonly FrozenDictionary<string, Func<SelectorFactoryContext, IEndpointSelector>> s_builtIn =
        new Dictionary<string, Func<SelectorFactoryContext, IEndpointSelector>>(StringComparer.OrdinalIgnoreCase)
        {
            [EndpointSelectorNames.RoundRobin] = c => new RoundRobinSelector(RandomSource.Create(c.Options.RandomSeed)),
            [EndpointSelectorNames.Random] = c => new RandomSelector(RandomSource.Create(c.Options.RandomSeed)),
            [EndpointSelectorNames.PowerOfTwoChoices] = c => new PowerOfTwoChoicesSelector(RandomSource.Create(c.Options.RandomSeed)),
            [EndpointSelectorNames.LeastLatency] = c => new LeastLatencySelector(RandomSource.Create(c.Options.RandomSeed), c.Feedback.TimeProvider),
            [EndpointSelectorNames.PeakEwma] = c => new PeakEwmaSelector(RandomSource.Create(c.Options.RandomSeed), c.Feedback.TimeProvider),
            [EndpointSelectorNames.WeightedRoundRobin] = c => new WeightedRoundRobinSelector(RandomSource.Create(c.Options.RandomSeed), c.Feedback.TimeProvider, c.Options.WeightedRoundRobin),
            [EndpointSelectorNames.MlScored] = c => new MlScoredSelector(c.ClientName, RandomSource.Create(c.Options.RandomSeed), c.Feedback, c.Options.MlScored),
            [EndpointSelectorNames.ConsistentHash] = c => new ConsistentHashSelector(c.Options.ConsistentHash, new PeakEwmaSelector(RandomSource.Create(c.Options.RandomSeed), c.Feedback.TimeProvider)),
            [EndpointSelectorNames.NetworkAware] = c => new NetworkAwareSelector(RandomSource.Create(c.Options.RandomSeed), c.Feedback.TimeProvider, c.Options.NetworkAware),
            [EndpointSelectorNames.Prequal] = c => new PrequalSelector(RandomSource.Create(c.Options.RandomSeed), c.Feedback.TimeProvider, c.Options.Prequal, c.ProbeTransport),
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, Func<SelectorFactoryContext, IEndpointSelector>> _factories;
    private readonly FrozenDictionary<string, ClientSelectorOverride> _overrides;

    public EndpointSelectorRegistry(IEnumerable<EndpointSelectorRegistration> registrations, IEnumerable<ClientSelectorOverride> overrides)
    {
        var factories = new Dictionary<string, Func<SelectorFactoryContext, IEndpointSelector>>(s_builtIn, StringComparer.OrdinalIgnoreCase);
        foreach (var registration in registrations)
        {
            var factory = registration.Factory;
            factories[registration.Name] = c => factory(c.Services);
        }

        _factories = factories.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        var byClient = new Dictionary<string, ClientSelectorOverride>(StringComparer.Ordinal);
        foreach (var o in overrides)
        {
            byClient[o.ClientName] = o;
        }

        _overrides = byClient.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static bool IsBuiltIn(string name) => s_builtIn.ContainsKey(name);

    /// <summary>Gets the names that can be used in options, sorted.</summary>
    public IEnumerable<string> Names => _factories.Keys.Order(StringComparer.OrdinalIgnoreCase);

    public bool HasOverride(string clientName) => _overrides.ContainsKey(clientName);

    public bool IsKnown(string? name) => name is not null && _factories.ContainsKey(name);

    /// <summary>The name to report for the client's selector (in telemetry and errors).</summary>
    public string GetDisplayName(string clientName, BalancerOptions options) =>
        _overrides.TryGetValue(clientName, out var o) ? o.DisplayName : Canonical(options.Selector);

    public IEndpointSelector Create(SelectorFactoryContext context)
    {
        if (_overrides.TryGetValue(context.ClientName, out var o))
        {
            return o.Factory(context.Services) ?? throw new InvalidOperationException($"Balancer client '{context.ClientName}': the selector factory for '{o.DisplayName}' returned null.");
        }

        if (!_factories.TryGetValue(context.Options.Selector, out var factory))
        {
            throw new InvalidOperationException($"Balancer client '{context.ClientName}': Selector '{context.Options.Selector}' is not a known selector; known: {string.Join(", ", Names)}.");
        }

        return factory(context) ?? throw new InvalidOperationException($"Balancer client '{context.ClientName}': the factory of selector '{context.Options.Selector}' returned null.");
    }

    private string Canonical(string name)
    {
        foreach (var key in _factories.Keys)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }

        return name;
    }
}
