using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Network;

/// <summary>
/// Probes the round trip to every endpoint of a client at an interval (with jitter) while probes are on and the
/// client's selector uses them; sends nothing otherwise; stops when the client is disposed. Endpoints that share a
/// host and port are probed once per round; at most <see cref="NetworkProbeOptions.MaxConcurrency"/> probes run at once.
/// </summary>
internal sealed class NetworkProber(Func<BalancerEndpoint[]> endpoints, TimeProvider timeProvider) : IDisposable
{
    private readonly object _lock = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private NetworkProbeOptions _options = new();
    private CancellationTokenSource? _running;
    private bool _disposed;
    private int _active;
    private int _maxActive;
    private long _probes;

    /// <summary>Raised after each round, once the wait for the next one has begun (for tests on a fake clock).</summary>
    public event Action? RoundCompleted;

    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _running is not null;
            }
        }
    }

    /// <summary>The number of probes started.</summary>
    public long ProbesStarted => Interlocked.Read(ref _probes);

    /// <summary>The most probes that were under way at once.</summary>
    public int MaxConcurrentProbes => Volatile.Read(ref _maxActive);

    /// <summary>Applies (re)loaded options: starts or stops the probing loop, and probes at once after a change.</summary>
    public void Configure(NetworkProbeOptions options, bool wanted)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _options, options);
            var run = wanted && options.Enabled;
            if (run && _running is null)
            {
                _running = new CancellationTokenSource();
                _ = RunAsync(_running.Token);
            }
            else if (!run && _running is not null)
            {
                Stop();
            }
            else if (run && _wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Stop();
        }
    }

    private void Stop()
    {
        _running?.Cancel();
        _running?.Dispose();
        _running = null;
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var random = RandomSource.Create(null);

        // One wait for a wake-up at a time, kept across rounds until it completes (see ActiveHealthChecker).
        Task? wake = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var options = Volatile.Read(ref _options);
                try
                {
                    await ProbeAllAsync(options, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // A round that failed as a whole (say the endpoint list could not be read) leaves the loop running.
                }

                var jitter = 1 + (options.Jitter * ((2 * random.NextDouble()) - 1));
                var delay = Task.Delay(options.Interval * jitter, timeProvider, cancellationToken);
                wake ??= _wake.WaitAsync(cancellationToken);
                RoundCompleted?.Invoke();
                if (await Task.WhenAny(delay, wake).ConfigureAwait(false) == wake)
                {
                    wake = null;
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped, possibly while a probe was under way.
        }
    }

    private async Task ProbeAllAsync(NetworkProbeOptions options, CancellationToken cancellationToken)
    {
        var targets = new Dictionary<(string Host, int Port), List<BalancerEndpoint>>();
        foreach (var endpoint in endpoints())
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

    private async Task ProbeAsync(List<BalancerEndpoint> group, SemaphoreSlim gate, NetworkProbeOptions options, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var active = Interlocked.Increment(ref _active);
        try
        {
            Interlocked.Increment(ref _probes);
            UpdateMax(active);
            var first = group[0];
            var seconds = await TcpProbe.MeasureAsync(first.Address.DnsSafeHost, first.Port, options.Timeout, timeProvider, cancellationToken).ConfigureAwait(false);
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
