using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.Runtime;

/// <summary>
/// Applies a client's validated options, at start and at every reload, to its <see cref="ClientRuntime"/>: creates
/// the selector again only when its name or seed changed (the old one is disposed), and hands every other setting to
/// the part that owns it. Not thread-safe: the wiring layer calls it under the client's apply lock.
/// </summary>
internal sealed class OptionsApplier(ClientRuntime runtime, EndpointSelectorRegistry selectors, IServiceProvider services, IFeedbackObserver[] observers)
{
    private Selected? _selected;

    /// <summary>
    /// Applies <paramref name="options"/> (with <paramref name="definitions"/>, its validated endpoints);
    /// <paramref name="rebuild"/> assembles and publishes the endpoint set once the assembler has the new rules.
    /// </summary>
    public void Apply(BalancerOptions options, List<EndpointDefinition> definitions, Action rebuild)
    {
        var name = runtime.Name;
        var previous = _selected;
        var selectorName = selectors.GetDisplayName(name, options);
        if (previous is null || !string.Equals(previous.Name, selectorName, StringComparison.OrdinalIgnoreCase) || previous.Seed != options.RandomSeed)
        {
            var selector = selectors.Create(new SelectorFactoryContext(name, options, runtime.Tracker.Settings, services, runtime.Transport == "HTTP" ? runtime.ProbeTransport : null));
            _selected = new Selected(selector, selectorName, options.RandomSeed);
            runtime.Tracker.Observers = selector is IFeedbackObserver observer ? [observer, .. observers] : observers;
            (previous?.Selector as IDisposable)?.Dispose();
        }

        var selected = _selected!;
        var tracker = runtime.Tracker;
        tracker.Settings.DecayTime = options.LatencyDecayTime;
        tracker.Settings.EndpointMetricTags = options.Telemetry.EndpointTags;
        tracker.IsFailure = options.IsFailure;
        tracker.LoadReportExpiration = (long)(options.WeightedRoundRobin.WeightExpirationPeriod.TotalSeconds * runtime.TimeProvider.TimestampFrequency);
        runtime.RequestSettings = new RequestSettings(options.PreserveLogicalHost, options.ReuseTriedEndpoints, options.AttemptTimeout);
        runtime.Pipeline.Configure(selected.Selector, selected.Name, options.ReuseTriedEndpoints);

        runtime.Health.Options = options.Health;
        runtime.Assembler.Configure(definitions, options.Subsetting, options.EndpointSources);
        rebuild();
        runtime.ActiveChecks.Configure(options.Health.ActiveChecks);
        if (!options.Health.ConnectionFailure.Enabled)
        {
            runtime.Reconnects.StopAll();
            runtime.Health.ClearUnreachable(runtime.EndpointSet);
        }

        var reconfigurable = selected.Selector as IReconfigurableSelector;
        reconfigurable?.Reconfigure(options);
        runtime.NetworkProbes.Configure(options.NetworkAware.Probes.ToSettings(), wanted: reconfigurable?.UsesNetworkProbes == true);
    }

    private sealed record Selected(IEndpointSelector Selector, string Name, int? Seed);
}
