using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Runtime;
using Balancer.Client.Selection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// The wiring of one balanced client: validates its options, creates its <see cref="ClientRuntime"/> and endpoint
/// sources, applies the options at start and at every reload (<see cref="OptionsApplier"/>), and assembles the
/// endpoint set again (<see cref="EndpointSetAssembler"/>) whenever the options or a source change, under one
/// lock so that publications and reloads never interleave or get lost. A singleton per client name; handlers (which
/// IHttpClientFactory recycles) only refer to its runtime.
/// </summary>
internal sealed class BalancerClientState : IDisposable
{
    private readonly EndpointSelectorRegistry _selectors;
    private readonly IDisposable? _reloadSubscription;
    private readonly object _applyLock = new();
    private readonly EndpointSourceRunner[] _sources;
    private readonly OptionsApplier _applier;
    private readonly IEndpointSubsetter? _subsetter;
    private readonly bool _applied; // set once, under the apply lock, by the first apply of the constructor
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
        _selectors = selectors;

        // Throws OptionsValidationException (naming client, field and value) when the options are invalid.
        var options = monitor.Get(name);
        var errors = BalancerOptionsValidator.Collect(name, options, selectors, sources.HasSources(name), out var definitions, sources.HasSubsetter(name));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(BalancerOptions), [ValidationErrors.Format(errors)]);
        }

        var registrations = sources.For(name).ToList();
        var probe = services.GetServices<HealthProbeRegistration>().LastOrDefault(r => string.Equals(r.ClientName, name, StringComparison.Ordinal));
        Runtime = new ClientRuntime(
            name,
            clients.ContainsHttp(name) ? "HTTP" : "gRPC",
            options.LatencyDecayTime,
            metrics,
            timeProvider,
            loggerFactory.CreateLogger("Balancer.Client"),
            new HealthCheckTransport(services, name),
            probe?.Probe,
            registrations.Count > 0 ? DescribeSources : null);
        _sources = [.. registrations.Select(r => new EndpointSourceRunner(name, timeProvider, Runtime.Logger, Runtime.Assembler, CreateSource(r, services), OnSourceChanged))];
        IFeedbackObserver[] feedbackObservers = [.. observers.Where(o => string.Equals(o.ClientName, name, StringComparison.Ordinal)).Select(o => o.Factory(services))];
        _applier = new OptionsApplier(Runtime, selectors, services, feedbackObservers);
        _subsetter = sources.CreateSubsetter(name, services);
        Runtime.Assembler.Subsetter = _subsetter;
        if (_subsetter is not null)
        {
            _subsetter.Attach(new EndpointHealthControl(Runtime));
            _subsetter.Attach(new RequestClassEstimates(Runtime));

            // Before the first assembly: a change raised meanwhile waits for the apply lock, and is not lost.
            _subsetter.Changed += OnSubsetChanged;
        }

        lock (_applyLock)
        {
            _applier.Apply(options, definitions, RebuildEndpoints);
            _applied = true;
        }

        clients.MarkStarted(name);
        _reloadSubscription = monitor.OnChange(OnOptionsChanged);
        foreach (var source in _sources)
        {
            source.Start();
        }
    }

    public string Name { get; }

    /// <summary>What the client's transports read: endpoints, selection, feedback, health.</summary>
    public ClientRuntime Runtime { get; }

    /// <summary>Describes why the sources gave no endpoint, for the error of a request that found none.</summary>
    private string DescribeSources()
    {
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
        if (_subsetter is not null)
        {
            _subsetter.Changed -= OnSubsetChanged;
        }

        foreach (var source in _sources)
        {
            source.Dispose();
        }

        Runtime.Dispose();
    }

    private void OnOptionsChanged(BalancerOptions options, string? name)
    {
        if (!string.Equals(name, Name, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            var errors = BalancerOptionsValidator.Collect(Name, options, _selectors, _sources.Length > 0, out var definitions, _subsetter is not null);
            if (errors.Count > 0)
            {
                Log.InvalidReload(Runtime.Logger, Name, string.Join(" ", errors));
                return;
            }

            lock (_applyLock)
            {
                if (!_disposed)
                {
                    _applier.Apply(options, definitions, RebuildEndpoints);
                }
            }
        }
        catch (Exception exception)
        {
            // Never throw into the configuration's change callback: keep serving with the last good set.
            Log.ReloadFailed(Runtime.Logger, exception, Name);
        }
    }

    private void NotifySubsetter(EndpointSet set)
    {
        if (_subsetter is null)
        {
            return;
        }

        try
        {
            _subsetter.OnEndpointsChanged(set.Endpoints);
        }
        catch (Exception exception)
        {
            // A subsetter's failure to look at the endpoints must not stop the client from using them.
            Log.ReloadFailed(Runtime.Logger, exception, Name);
        }
    }

    private void OnSubsetChanged(object? sender, EventArgs e)
    {
        try
        {
            lock (_applyLock)
            {
                // Before the first apply there is nothing to reassemble: that apply asks the subsetter anyway.
                if (_applied && !_disposed)
                {
                    RebuildEndpoints();
                }
            }
        }
        catch (Exception exception)
        {
            // Raised from the subsetter's own thread: never throw into it; the client keeps its current set.
            Log.ReloadFailed(Runtime.Logger, exception, Name);
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
                Runtime.MarkSourcesReported();
            }
        }
    }

    /// <summary>Assembles the next set from the options and every source, and publishes it if it changed. Under the apply lock.</summary>
    private void RebuildEndpoints()
    {
        var next = Runtime.Assembler.Next(Runtime.EndpointSet, _sources.Select(s => s.Definitions), out var added, out var removed);
        if (next is not null)
        {
            Runtime.Publish(next, added, removed);
            NotifySubsetter(next);
        }
    }
}
