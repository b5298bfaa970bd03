using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Network;
using Balancer.Client.Selection;
using Balancer.Client.Selection.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// Everything one balanced client keeps between requests: endpoint snapshot, selector, feedback tracker. A singleton
/// per client name; handlers (which IHttpClientFactory recycles) only refer to it.
/// </summary>
internal sealed class BalancerClientState : IDisposable
{
    private readonly IOptionsMonitor<BalancerOptions> _monitor;
    private readonly EndpointSelectorRegistry _selectors;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly IDisposable? _reloadSubscription;
    private readonly object _applyLock = new();
    private EndpointSet _endpoints = EndpointSet.Empty;
    private Selected _selected;
    private Behaviour _behaviour = new(false, true, null, false, TimeSpan.Zero);
    private DiscoveredAddressPolicy _addressPolicy = DiscoveredAddressPolicy.AllowAll;
    private readonly IFeedbackObserver[] _observers;
    private readonly EndpointSourceRunner[] _sources;
    private readonly RemovedEndpoints _removedEndpoints;
    private readonly TaskCompletionSource _sourcesReported = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<EndpointDefinition> _staticDefinitions = [];
    private SubsettingOptions _subsetting = new();
    private bool _disposed;

    public BalancerClientState(
        string name,
        IOptionsMonitor<BalancerOptions> monitor,
        EndpointSelectorRegistry selectors,
        BalancedClientNames clients,
        BalancerMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IServiceProvider services,
        IEnumerable<FeedbackObserverRegistration> observers,
        EndpointSourceRegistry sources)
    {
        Name = name;
        LogicalHost = name;
        Transport = clients.ContainsHttp(name) ? "HTTP" : "gRPC";
        _monitor = monitor;
        _selectors = selectors;
        _services = services;
        _logger = loggerFactory.CreateLogger("Balancer.Client");
        _observers = [.. observers.Where(o => string.Equals(o.ClientName, name, StringComparison.Ordinal)).Select(o => o.Factory(services))];

        // Throws OptionsValidationException (naming client, field and value) when the options are invalid.
        var options = monitor.Get(name);
        var errors = BalancerOptionsValidator.Collect(name, options, selectors, sources.HasSources(name), out var definitions);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(BalancerOptions), [ValidationErrors.Format(errors)]);
        }

        _sources = [.. sources.For(name).Select(r => new EndpointSourceRunner(this, CreateSource(r, services), OnSourceChanged))];

        Metrics = metrics;
        Tracker = new FeedbackTracker(name, new FeedbackSettings(timeProvider, options.LatencyDecayTime), metrics, _logger);
        Health = new HealthMonitor(name, Tracker.Settings, metrics, _logger);
        Pipeline = new SelectionPipeline(name, Health, timeProvider, metrics, _logger, _sources.Length > 0 ? DescribeSources : null);
        _removedEndpoints = new RemovedEndpoints((endpoint, now) => RemovedEndpointRetention.KeepUntil(endpoint, Health.Options, now, timeProvider.TimestampFrequency));
        var probe = services.GetServices<HealthProbeRegistration>().LastOrDefault(r => string.Equals(r.ClientName, name, StringComparison.Ordinal));
        ActiveChecks = new ActiveHealthChecker(name, Health, () => Endpoints, timeProvider, _logger, new HealthCheckTransport(services, name), probe?.Probe);
        Reconnects = new ReconnectChecker(Health, () => EndpointSet, timeProvider, _logger, name);
        Health.Unreachable = Reconnects.Watch;
        Health.Suspect = Reconnects.Verify;
        NetworkProbes = new NetworkProber(() => Endpoints, timeProvider, _logger, name);
        _selected = new Selected(null!, string.Empty, null);
        Apply(options, definitions);
        clients.MarkStarted(name);
        _reloadSubscription = monitor.OnChange(OnOptionsChanged);
        if (_sources.Length == 0)
        {
            _sourcesReported.TrySetResult();
        }

        foreach (var source in _sources)
        {
            source.Start();
        }
    }

    public string Name { get; }

    /// <summary>What the client balances: HTTP requests through the balancing handler, or gRPC calls in a channel.</summary>
    public string Transport { get; }

    /// <summary>Raised after a new endpoint set was published (under the apply lock: handlers must not block).</summary>
    public event Action<EndpointSet>? EndpointsChanged;

    /// <summary>The host name that marks a request as one to balance (the client name, case-insensitive).</summary>
    public string LogicalHost { get; }

    public FeedbackTracker Tracker { get; }

    public HealthMonitor Health { get; }

    /// <summary>Picks the endpoint of each attempt: eligibility, tried endpoints, the selector, slow start.</summary>
    public SelectionPipeline Pipeline { get; }

    public ActiveHealthChecker ActiveChecks { get; }

    public ReconnectChecker Reconnects { get; }

    public NetworkProber NetworkProbes { get; }

    public TimeProvider TimeProvider => Tracker.Settings.TimeProvider;

    public BalancerMetrics Metrics { get; }

    public BalancerEndpoint[] Endpoints => Volatile.Read(ref _endpoints).Endpoints;

    public EndpointSet EndpointSet => Volatile.Read(ref _endpoints);

    public IEndpointSelector Selector => Volatile.Read(ref _selected).Selector;

    public string SelectorName => Volatile.Read(ref _selected).Name;

    public bool PreserveLogicalHost => Volatile.Read(ref _behaviour).PreserveLogicalHost;

    public bool ReuseTriedEndpoints => Volatile.Read(ref _behaviour).ReuseTriedEndpoints;

    public TimeSpan? AttemptTimeout => Volatile.Read(ref _behaviour).AttemptTimeout;

    public ILogger Logger => _logger;

    /// <summary>Whether endpoints come (also) from endpoint sources.</summary>
    public bool HasSources => _sources.Length > 0;

    /// <summary>Whether an empty publication of a source empties its endpoints (instead of keeping the last good set).</summary>
    public bool AcceptEmptyFromSources => Volatile.Read(ref _behaviour).AcceptEmptyFromSources;

    /// <summary>Which addresses the client accepts from its endpoint sources.</summary>
    public DiscoveredAddressPolicy AddressPolicy => Volatile.Read(ref _addressPolicy);

    /// <summary>
    /// Waits, up to <see cref="EndpointSourceOptions.InitialTimeout"/>, until the client has endpoints or every source
    /// has published or failed once. Only called when the set is empty, so never on the usual path.
    /// </summary>
    public async ValueTask<EndpointSet> WaitForEndpointsAsync(CancellationToken cancellationToken)
    {
        var set = EndpointSet;
        if (set.Endpoints.Length > 0 || _sources.Length == 0 || _sourcesReported.Task.IsCompleted)
        {
            return set;
        }

        try
        {
            await _sourcesReported.Task.WaitAsync(Volatile.Read(ref _behaviour).InitialTimeout, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answer with what there is: the error then says that the sources have published nothing yet.
        }

        return EndpointSet;
    }

    /// <summary>Describes why the sources gave no endpoint, for the error of a request that found none.</summary>
    public string DescribeSources()
    {
        if (_sources.Length == 0)
        {
            return string.Empty;
        }

        var parts = _sources.Select(s => s.LastError is { } error
            ? $"{s.Description}: {error.Message}"
            : s.HasReported ? $"{s.Description}: no endpoints" : $"{s.Description}: nothing published yet");
        return "; endpoint sources: " + string.Join("; ", parts);
    }

    public void Dispose()
    {
        lock (_applyLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _reloadSubscription?.Dispose();
        foreach (var source in _sources)
        {
            source.Dispose();
        }

        ActiveChecks.Dispose();
        Reconnects.Dispose();
        NetworkProbes.Dispose();
        (_selected.Selector as IDisposable)?.Dispose();
    }

    private void OnOptionsChanged(BalancerOptions options, string? name)
    {
        if (!string.Equals(name, Name, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            var errors = BalancerOptionsValidator.Collect(Name, options, _selectors, _sources.Length > 0, out var definitions);
            if (errors.Count > 0)
            {
                Log.InvalidReload(_logger, Name, string.Join(" ", errors));
                return;
            }

            Apply(options, definitions);
        }
        catch (Exception exception)
        {
            // Never throw into the configuration's change callback: keep serving with the last good set.
            Log.ReloadFailed(_logger, exception, Name);
        }
    }

    private void Apply(BalancerOptions options, List<EndpointDefinition> definitions)
    {
        lock (_applyLock)
        {
            if (_disposed)
            {
                return;
            }

            var previous = _selected;
            var selectorName = _selectors.GetDisplayName(Name, options);
            if (previous.Selector is null || !string.Equals(previous.Name, selectorName, StringComparison.OrdinalIgnoreCase) || previous.Seed != options.RandomSeed)
            {
                var selector = _selectors.Create(new SelectorFactoryContext(Name, options, Tracker.Settings, _services));
                Volatile.Write(ref _selected, new Selected(selector, selectorName, options.RandomSeed));
                Tracker.Observers = selector is IFeedbackObserver observer ? [observer, .. _observers] : _observers;
                (previous.Selector as IDisposable)?.Dispose();
            }

            Tracker.Settings.DecayTime = options.LatencyDecayTime;
            Tracker.Settings.EndpointMetricTags = options.Telemetry.EndpointTags;
            Tracker.IsFailure = options.IsFailure;
            Tracker.LoadReportExpiration = (long)(options.WeightedRoundRobin.WeightExpirationPeriod.TotalSeconds * TimeProvider.TimestampFrequency);
            Volatile.Write(ref _behaviour, new Behaviour(options.PreserveLogicalHost, options.ReuseTriedEndpoints, options.AttemptTimeout, options.EndpointSources.AcceptEmpty, options.EndpointSources.InitialTimeout));
            var selected = Volatile.Read(ref _selected);
            Pipeline.Configure(selected.Selector, selected.Name, options.ReuseTriedEndpoints);

            Volatile.Write(ref _addressPolicy, DiscoveredAddressPolicy.Create(options.EndpointSources, definitions));
            Health.Options = options.Health;
            _staticDefinitions = definitions;
            _subsetting = options.Subsetting;
            RebuildEndpoints();
            ActiveChecks.Configure(options.Health.ActiveChecks);
            if (!options.Health.ConnectionFailure.Enabled)
            {
                Reconnects.StopAll();
                Health.ClearUnreachable(EndpointSet);
            }
            var networkAware = Selector as NetworkAwareSelector;
            networkAware?.Configure(options.NetworkAware);
            NetworkProbes.Configure(options.NetworkAware.Probes.ToSettings(), wanted: networkAware is not null);
        }
    }

    private static IEndpointSource CreateSource(EndpointSourceRegistration registration, IServiceProvider services) =>
        registration.Factory(services) ?? throw new InvalidOperationException($"Balancer client '{registration.ClientName}': an endpoint source factory returned null.");

    private void OnSourceChanged(EndpointSourceRunner source)
    {
        lock (_applyLock)
        {
            if (_disposed)
            {
                return;
            }

            RebuildEndpoints();
            if (_sources.All(s => s.HasReported))
            {
                _sourcesReported.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Merges the endpoints of the options and of every source (first occurrence of an address wins) into the next
    /// snapshot. Called under the apply lock, so publications and reloads never interleave or get lost.
    /// </summary>
    private void RebuildEndpoints()
    {
        var definitions = _staticDefinitions;
        if (_sources.Length > 0)
        {
            var seen = new HashSet<string>(definitions.Select(d => d.Address.AbsoluteUri), StringComparer.Ordinal);
            var merged = new List<EndpointDefinition>(definitions);
            foreach (var source in _sources)
            {
                foreach (var definition in source.Definitions ?? [])
                {
                    if (seen.Add(definition.Address.AbsoluteUri))
                    {
                        merged.Add(definition);
                    }
                }
            }

            definitions = merged;
        }

        // Subsetting applies to the merged set, so every instance sees the same N whatever the sources.
        definitions = DeterministicSubsetting.Apply(definitions, _subsetting);
        var selectorName = SelectorName;
        var previousSet = _endpoints;
        if (previousSet.Version > 0 && SameEndpoints(previousSet, definitions))
        {
            return;
        }

        var next = previousSet.Update(definitions, Tracker.Settings, out var added, out var removed, _removedEndpoints);
        if (previousSet.Endpoints.Length > 0 && added > 0)
        {
            // Endpoints added by a reload or a source start slow; the first set does not (there is nothing to protect it from).
            var now = TimeProvider.GetTimestamp();
            var known = previousSet.Endpoints.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var endpoint in next.Endpoints.Where(e => !known.Contains(e.Key)))
            {
                Health.StartSlowStart(endpoint, now);
            }
        }

        Volatile.Write(ref _endpoints, next);
        if (added > 0)
        {
            ActiveChecks.OnEndpointsAdded();
        }

        Reconnects.Retain(next);
        if (next.Endpoints.Length > 0)
        {
            _sourcesReported.TrySetResult();
        }

        Log.EndpointsChanged(_logger, Name, next.Version, next.Endpoints.Length, added, removed, selectorName);
        if (EndpointsChanged is { } changed)
        {
            try
            {
                changed(next);
            }
            catch (Exception exception)
            {
                Log.ObserverFailed(_logger, exception, Name, nameof(EndpointsChanged));
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="set"/> already holds exactly <paramref name="definitions"/>, in any order: a refresh that
    /// changed nothing, or only the order (DNS round robin rotates its answers), is not a change.
    /// </summary>
    private static bool SameEndpoints(EndpointSet set, List<EndpointDefinition> definitions)
    {
        var endpoints = set.Endpoints;
        if (endpoints.Length != definitions.Count)
        {
            return false;
        }

        Dictionary<string, BalancerEndpoint>? byKey = null;
        HashSet<string>? matched = null;
        for (var i = 0; i < endpoints.Length; i++)
        {
            var d = definitions[i];
            var key = d.Address.AbsoluteUri;
            var endpoint = endpoints[i];
            if (byKey is not null || !string.Equals(endpoint.Key, key, StringComparison.Ordinal))
            {
                // Another order: compare as sets from here on (each address once).
                byKey ??= endpoints.ToDictionary(e => e.Key, StringComparer.Ordinal);
                matched ??= new HashSet<string>(definitions.Take(i).Select(p => p.Address.AbsoluteUri), StringComparer.Ordinal);
                if (!byKey.TryGetValue(key, out endpoint!) || !matched.Add(key))
                {
                    return false;
                }
            }

            if (!endpoint.HasSettings(d.Weight, d.Zone, d.Metadata, d.Priority))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Selected(IEndpointSelector Selector, string Name, int? Seed);

    private sealed record Behaviour(bool PreserveLogicalHost, bool ReuseTriedEndpoints, TimeSpan? AttemptTimeout, bool AcceptEmptyFromSources, TimeSpan InitialTimeout);
}
