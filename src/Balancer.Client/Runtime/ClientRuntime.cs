using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Network;
using Balancer.Client.Selection;
using Balancer.Client.Selection.Pipeline;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Runtime;

/// <summary>
/// What one balanced client keeps between requests and what its transports (the HTTP handler, the gRPC picker) read:
/// the published endpoint set, the selection pipeline, the feedback tracker, health and its background checks, and
/// the per-request settings. One per client name for the life of the container; the wiring layer creates it, applies
/// its options (<see cref="OptionsApplier"/>) and feeds it endpoint sets (<see cref="Publish"/>).
/// </summary>
internal sealed class ClientRuntime : IDisposable
{
    private readonly TaskCompletionSource _sourcesReported = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<string>? _describeSources;
    private EndpointSet _endpoints = EndpointSet.Empty;
    private RequestSettings _requestSettings = RequestSettings.Default;

    /// <param name="name">The client name.</param>
    /// <param name="transport">"HTTP" or "gRPC".</param>
    /// <param name="latencyDecayTime">The decay time of the statistics until the options are applied.</param>
    /// <param name="metrics">The library's instruments.</param>
    /// <param name="timeProvider">The clock of every timestamp of the client.</param>
    /// <param name="logger">The library's logger.</param>
    /// <param name="healthChecks">How active health checks send their requests.</param>
    /// <param name="probe">A custom active health probe, if one was registered.</param>
    /// <param name="describeSources">Describes the endpoint sources for errors (<see langword="null"/>: the client has none).</param>
    public ClientRuntime(
        string name,
        string transport,
        TimeSpan latencyDecayTime,
        BalancerMetrics metrics,
        TimeProvider timeProvider,
        ILogger logger,
        IHealthCheckTransport healthChecks,
        HealthProbe? probe,
        Func<string>? describeSources)
    {
        Name = name;
        LogicalHost = name;
        Transport = transport;
        ProbeTransport = healthChecks;
        Metrics = metrics;
        Logger = logger;
        _describeSources = describeSources;
        Tracker = new FeedbackTracker(name, new ClientStats(timeProvider, latencyDecayTime), metrics, logger);
        Health = new HealthMonitor(name, Tracker.Settings, metrics, logger, () => EndpointSet);
        Tracker.OutcomeListener = Health;
        Pipeline = new SelectionPipeline(name, Health, timeProvider, metrics, logger, describeSources);
        var removed = new RemovedEndpoints((endpoint, now) => RemovedEndpointRetention.KeepUntil(endpoint, Health.Options, now, timeProvider.TimestampFrequency));
        var stats = Tracker.Settings;
        Assembler = new EndpointSetAssembler(() => new EndpointStats(stats), timeProvider, removed);
        ActiveChecks = new ActiveHealthChecker(name, Health, () => Endpoints, timeProvider, logger, healthChecks, probe);
        Reconnects = new ReconnectChecker(Health, () => EndpointSet, timeProvider, logger, name);
        Health.Unreachable = Reconnects.Watch;
        Health.Suspect = Reconnects.Verify;
        NetworkProbes = new NetworkProber(() => Endpoints, timeProvider, logger, name);
        if (describeSources is null)
        {
            _sourcesReported.TrySetResult();
        }
    }

    public string Name { get; }

    /// <summary>The client's transport without the balancer, which active checks and probing selectors send through.</summary>
    public IHealthCheckTransport ProbeTransport { get; }

    /// <summary>What the client balances: HTTP requests through the balancing handler, or gRPC calls in a channel.</summary>
    public string Transport { get; }

    /// <summary>The host name that marks a request as one to balance (the client name, case-insensitive).</summary>
    public string LogicalHost { get; }

    /// <summary>Raised after a new endpoint set was published (under the client's apply lock: handlers must not block).</summary>
    public event Action<EndpointSet>? EndpointsChanged;

    public FeedbackTracker Tracker { get; }

    public HealthMonitor Health { get; }

    /// <summary>Picks the endpoint of each attempt: eligibility, tried endpoints, the selector, slow start.</summary>
    public SelectionPipeline Pipeline { get; }

    /// <summary>Assembles the next endpoint set from the options and the sources.</summary>
    public EndpointSetAssembler Assembler { get; }

    public ActiveHealthChecker ActiveChecks { get; }

    public ReconnectChecker Reconnects { get; }

    public NetworkProber NetworkProbes { get; }

    public TimeProvider TimeProvider => Tracker.Settings.TimeProvider;

    public BalancerMetrics Metrics { get; }

    public ILogger Logger { get; }

    public EndpointSet EndpointSet => Volatile.Read(ref _endpoints);

    public BalancerEndpoint[] Endpoints => EndpointSet.Endpoints;

    public IEndpointSelector Selector => Pipeline.Selector!;

    public string SelectorName => Pipeline.SelectorName;

    /// <summary>The per-request settings of the options last applied.</summary>
    public RequestSettings RequestSettings
    {
        get => Volatile.Read(ref _requestSettings);
        set => Volatile.Write(ref _requestSettings, value);
    }

    /// <summary>Whether endpoints come (also) from endpoint sources.</summary>
    public bool HasSources => _describeSources is not null;

    /// <summary>Describes why the sources gave no endpoint, for the error of a request that found none.</summary>
    public string DescribeSources() => _describeSources?.Invoke() ?? string.Empty;

    /// <summary>Every source has published or failed once: the first requests stop waiting.</summary>
    public void MarkSourcesReported() => _sourcesReported.TrySetResult();

    /// <summary>
    /// Waits, up to <see cref="EndpointSourceOptions.InitialTimeout"/>, until the client has endpoints or every source
    /// has published or failed once. Only called when the set is empty, so never on the usual path.
    /// </summary>
    public async ValueTask<EndpointSet> WaitForEndpointsAsync(CancellationToken cancellationToken)
    {
        var set = EndpointSet;
        if (set.Endpoints.Length > 0 || _sourcesReported.Task.IsCompleted)
        {
            return set;
        }

        try
        {
            await _sourcesReported.Task.WaitAsync(Assembler.InitialTimeout, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Answer with what there is: the error then says that the sources have published nothing yet.
        }

        return EndpointSet;
    }

    /// <summary>
    /// Publishes <paramref name="next"/>, the successor of <see cref="EndpointSet"/>: endpoints added to a non-empty set
    /// start slow, checks and watches follow the new set, and <see cref="EndpointsChanged"/> is raised. Called under the
    /// client's apply lock, so publications never interleave.
    /// </summary>
    public void Publish(EndpointSet next, int added, int removed)
    {
        var previous = EndpointSet;
        if (previous.Endpoints.Length > 0 && added > 0)
        {
            // Endpoints added by a reload or a source start slow; the first set does not (there is nothing to protect it from).
            var now = TimeProvider.GetTimestamp();
            var known = previous.Endpoints.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
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

        Log.EndpointsChanged(Logger, Name, next.Version, next.Endpoints.Length, added, removed, SelectorName);
        if (EndpointsChanged is { } changed)
        {
            try
            {
                changed(next);
            }
            catch (Exception exception)
            {
                Log.ObserverFailed(Logger, exception, Name, nameof(EndpointsChanged));
            }
        }
    }

    /// <summary>Stops the background work of the client (checks, probes) and disposes its selector.</summary>
    public void Dispose()
    {
        ActiveChecks.Dispose();
        Reconnects.Dispose();
        NetworkProbes.Dispose();
        (Pipeline.Selector as IDisposable)?.Dispose();
    }
}

/// <summary>The settings each request of a client reads, replaced as a whole when the options reload.</summary>
/// <param name="PreserveLogicalHost">Whether the Host header keeps the logical name.</param>
/// <param name="ReuseTriedEndpoints">Whether a retry may go back to a tried endpoint once all were tried.</param>
/// <param name="AttemptTimeout">The balancer's own timeout of one attempt, if any.</param>
internal sealed record RequestSettings(bool PreserveLogicalHost, bool ReuseTriedEndpoints, TimeSpan? AttemptTimeout)
{
    /// <summary>The settings before the first options are applied.</summary>
    public static readonly RequestSettings Default = new(false, true, null);
}
