using Balancer.Client.DependencyInjection;
using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Health;

/// <summary>
/// Probes every endpoint of a client with an HTTP GET at an interval (with jitter) while active checks are on; sends
/// nothing while they are off; stops when the client is disposed. Results go to <see cref="HealthMonitor.OnCheck"/>.
/// </summary>
internal sealed class ActiveHealthChecker(BalancerClientState state) : IDisposable
{
    private const int MaxConcurrentProbes = 16;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private ActiveHealthCheckOptions _options = new();
    private CancellationTokenSource? _running;
    private HttpClient? _client;
    private bool _disposed;

    /// <summary>Applies (re)loaded options: starts or stops the probing loop, and probes at once after a change.</summary>
    public void Configure(ActiveHealthCheckOptions options)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _options, options);
            if (options.Enabled && _running is null)
            {
                _running = new CancellationTokenSource();
                _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = Timeout.InfiniteTimeSpan };
                _ = RunAsync(_client, _running.Token);
            }
            else if (!options.Enabled && _running is not null)
            {
                Stop();
            }
            else if (options.Enabled && _wake.CurrentCount == 0)
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
        _client?.Dispose();
        _client = null;
    }

    private async Task RunAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var random = RandomSource.Create(null);

        // One wait for a wake-up at a time, kept across rounds until it completes: a new wait per round would pile up
        // abandoned waiters on the semaphore (one per interval, for the life of the client), and Configure's Release
        // would then complete the oldest abandoned one instead of waking the loop.
        Task? wake = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var options = Volatile.Read(ref _options);
                await ProbeAllAsync(client, options, cancellationToken).ConfigureAwait(false);
                var jitter = 1 + (options.Jitter * ((2 * random.NextDouble()) - 1));
                var delay = Task.Delay(options.Interval * jitter, state.TimeProvider, cancellationToken);
                wake ??= _wake.WaitAsync(cancellationToken);
                if (await Task.WhenAny(delay, wake).ConfigureAwait(false) == wake)
                {
                    wake = null;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped while a probe was under way.
        }
    }

    private async Task ProbeAllAsync(HttpClient client, ActiveHealthCheckOptions options, CancellationToken cancellationToken)
    {
        var endpoints = state.Endpoints;
        using var gate = new SemaphoreSlim(MaxConcurrentProbes);
        var probes = new Task[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            probes[i] = ProbeAsync(client, gate, endpoints[i], options, cancellationToken);
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
    }

    private async Task ProbeAsync(HttpClient client, SemaphoreSlim gate, BalancerEndpoint endpoint, ActiveHealthCheckOptions options, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(options.Timeout, state.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            bool success;
            try
            {
                var uri = new Uri(endpoint.Address, options.Path.TrimStart('/'));
                using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                success = response.IsSuccessStatusCode;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                success = false;
            }

            state.Health.OnCheck(endpoint, success);
        }
        finally
        {
            gate.Release();
        }
    }
}
