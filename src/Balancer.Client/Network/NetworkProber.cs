using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Network;

/// <summary>
/// Probes the round trip to every endpoint of a client at an interval (with jitter) while probes are on and the
/// client's selector uses them; sends nothing otherwise; stops when the client is disposed. Endpoints that share a
/// host and port are probed once per round; at most <see cref="NetworkProbeSettings.MaxConcurrency"/> probes run at once.
/// </summary>
internal sealed class NetworkProber : IDisposable
{
    private readonly object _lock = new();
    private readonly Func<BalancerEndpoint[]> _endpoints;
    private readonly TimeProvider _timeProvider;
    private readonly PeriodicLoop _loop;
    private NetworkProbeSettings _options = NetworkProbeSettings.Default;
    private bool _disposed;
    private int _active;
    private int _maxActive;
    private long _probes;

    public NetworkProber(Func<BalancerEndpoint[]> endpoints, TimeProvider timeProvider, ILogger? logger = null, string client = "")
    {
        _endpoints = endpoints;
        _timeProvider = timeProvider;
        logger ??= NullLogger.Instance;
        _loop = new PeriodicLoop(
            (_, cancellationToken) => ProbeAllAsync(Volatile.Read(ref _options), cancellationToken),
            () => Volatile.Read(ref _options) is var options ? (options.Interval, options.Jitter) : default,
            timeProvider,
            exception => Log.BackgroundPassFailed(logger, exception, client, "network probes"));
    }

    /// <summary>Raised after each round, once the wait for the next one has begun (for tests on a fake clock).</summary>
    public event Action? RoundCompleted
    {
        add => _loop.Waiting += value;
        remove => _loop.Waiting -= value;
    }

    public bool IsRunning => _loop.IsRunning;

    /// <summary>The number of probes started.</summary>
    public long ProbesStarted => Interlocked.Read(ref _probes);

    /// <summary>The most probes that were under way at once.</summary>
    public int MaxConcurrentProbes => Volatile.Read(ref _maxActive);

    /// <summary>Applies (re)loaded options: starts or stops the probing loop, and probes at once after a change.</summary>
    public void Configure(NetworkProbeSettings options, bool wanted)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _options, options);
            if (!wanted || !options.Enabled)
            {
                _ = _loop.Stop();
            }
            else if (!_loop.Start())
            {
                _loop.RunNow();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _loop.Dispose();
        }
    }

    private async Task ProbeAllAsync(NetworkProbeSettings options, CancellationToken cancellationToken)
    {
        var targets = new Dictionary<(string Host, int Port), List<BalancerEndpoint>>();
        foreach (var endpoint in _endpoints())
        {
            var key = (endpoint.Address.DnsSafeHost.ToUpperInvariant(), endpoint.Port);
            if (!targets.TryGetValue(key, out var group))
            {
                targets[key] = group = [];
            }

            group.Add(endpoint);
        }

        using var gate = new SemaphoreSlim(options.MaxConcurrency);
        await Task.WhenAll(targets.Values.Select(group => ProbeAsync(group, gate, options, cancellationToken))).ConfigureAwait(false);
    }

    private async Task ProbeAsync(List<BalancerEndpoint> group, SemaphoreSlim gate, NetworkProbeSettings options, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var active = Interlocked.Increment(ref _active);
        try
        {
            Interlocked.Increment(ref _probes);
            UpdateMax(active);
            var first = group[0];
            var seconds = await TcpProbe.MeasureAsync(first.Address.DnsSafeHost, first.Port, options.Timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            foreach (var endpoint in group)
            {
                if (seconds is { } value)
                {
                    endpoint.Stats.Network.Record(value);
                }
                else
                {
                    endpoint.Stats.Network.RecordFailure();
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            gate.Release();
        }
    }

    private void UpdateMax(int active)
    {
        var max = Volatile.Read(ref _maxActive);
        while (active > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxActive, active, max);
            if (seen == max)
            {
                return;
            }

            max = seen;
        }
    }
}

/// <summary>
/// What the prober needs of <c>NetworkAware.Probes</c> (the selector's <see cref="Selection.NetworkProbeOptions"/>,
/// which the wiring layer turns into these), so that the network layer does not depend on the selection layer.
/// </summary>
internal sealed record NetworkProbeSettings(bool Enabled, TimeSpan Interval, double Jitter, TimeSpan Timeout, int MaxConcurrency)
{
    /// <summary>The defaults of the options, until the first <see cref="NetworkProber.Configure"/>.</summary>
    public static readonly NetworkProbeSettings Default = new(true, NetworkConstants.DefaultProbeInterval, NetworkConstants.DefaultProbeJitter, NetworkConstants.DefaultProbeTimeout, NetworkConstants.DefaultProbeConcurrency);
}
