using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Network;
using Balancer.Client.Selection;
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
    private Behaviour _behaviour = new(false, true, null);
    private readonly IFeedbackObserver[] _observers;
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
        IEnumerable<FeedbackObserverRegistration> observers)
    {
        Name = name;
        LogicalHost = name;
        _monitor = monitor;
        _selectors = selectors;
        _services = services;
        _logger = loggerFactory.CreateLogger("Balancer.Client");
        _observers = [.. observers.Where(o => string.Equals(o.ClientName, name, StringComparison.Ordinal)).Select(o => o.Factory(services))];

        // Throws OptionsValidationException (naming client, field and value) when the options are invalid.
        var options = monitor.Get(name);
        var errors = BalancerOptionsValidator.Collect(name, options, selectors, out var definitions);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(BalancerOptions), errors);
        }

        Metrics = metrics;
        Tracker = new FeedbackTracker(name, new FeedbackSettings(timeProvider, options.LatencyDecayTime), metrics, _logger);
        Health = new HealthMonitor(name, Tracker.Settings, metrics, _logger);
        ActiveChecks = new ActiveHealthChecker(this);
        NetworkProbes = new NetworkProber(() => Endpoints, timeProvider);
        _selected = new Selected(null!, string.Empty, null);
        Apply(options, definitions);
        clients.MarkStarted(name);
        _reloadSubscription = monitor.OnChange(OnOptionsChanged);
    }

    public string Name { get; }

    /// <summary>The host name that marks a request as one to balance (the client name, case-insensitive).</summary>
    public string LogicalHost { get; }

    public FeedbackTracker Tracker { get; }

    public HealthMonitor Health { get; }

    public ActiveHealthChecker ActiveChecks { get; }

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
        ActiveChecks.Dispose();
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
            var errors = BalancerOptionsValidator.Collect(Name, options, _selectors, out var definitions);
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
            Tracker.IsFailure = options.IsFailure;
            Tracker.LoadReportExpiration = (long)(options.WeightedRoundRobin.WeightExpirationPeriod.TotalSeconds * TimeProvider.TimestampFrequency);
            Volatile.Write(ref _behaviour, new Behaviour(options.PreserveLogicalHost, options.ReuseTriedEndpoints, options.AttemptTimeout));

            Health.Options = options.Health;
            var previousSet = _endpoints;
            var next = previousSet.Update(definitions, Tracker.Settings, out var added, out var removed);
            if (previousSet.Version > 0 && added > 0)
            {
                // Endpoints added by a reload start slow; the first set does not (there is nothing to protect it from).
                var now = TimeProvider.GetTimestamp();
                var known = previousSet.Endpoints.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
                foreach (var endpoint in next.Endpoints.Where(e => !known.Contains(e.Key)))
                {
                    Health.StartSlowStart(endpoint, now);
                }
            }

            Volatile.Write(ref _endpoints, next);
            ActiveChecks.Configure(options.Health.ActiveChecks);
            var networkAware = Selector as NetworkAwareSelector;
            networkAware?.Configure(options.NetworkAware);
            NetworkProbes.Configure(options.NetworkAware.Probes, wanted: networkAware is not null);
            Log.EndpointsChanged(_logger, Name, next.Version, next.Endpoints.Length, added, removed, selectorName);
        }
    }

    private sealed record Selected(IEndpointSelector Selector, string Name, int? Seed);

    private sealed record Behaviour(bool PreserveLogicalHost, bool ReuseTriedEndpoints, TimeSpan? AttemptTimeout);
}
