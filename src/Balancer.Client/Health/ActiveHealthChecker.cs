using Balancer.Client.DependencyInjection;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Health;

/// <summary>
/// Probes every endpoint of a client with an HTTP GET at an interval (with jitter) while active checks are on; sends
/// nothing while they are off; stops when the client is disposed. Endpoints added between rounds (by a source) are
/// probed at once, the others keep their interval. Probes go through the client's own transport (see
/// <see cref="HealthCheckTransport"/>), never through the balancing handler. Results go to <see cref="HealthMonitor.OnCheck"/>.
/// </summary>
internal sealed class ActiveHealthChecker(BalancerClientState state, HealthCheckTransport transport, HealthProbe? probe = null) : IDisposable
{
    private const int MaxConcurrentProbes = 16;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private ActiveHealthCheckOptions _options = new();
    private CancellationTokenSource? _running;
    private int _fullRound;
    private bool _disposed;

    /// <summary>Applies (re)loaded options: starts or stops the probing loop, and probes every endpoint at once after a change.</summary>
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
                // Off this thread: building the transport runs the application's handler configuration, which must not
                // run under the client's locks or inside its construction.
                _running = new CancellationTokenSource();
                var token = _running.Token;
                _ = Task.Run(() => RunAsync(token), CancellationToken.None);
            }
            else if (!options.Enabled && _running is not null)
            {
                Stop();
            }
            else if (options.Enabled)
            {
                Volatile.Write(ref _fullRound, 1);
                Wake();
            }
        }
    }

    /// <summary>Probes the endpoints that were never checked (just added) at once, without waiting for the interval.</summary>
    public void OnEndpointsAdded()
    {
        lock (_lock)
        {
            if (_running is not null)
            {
                Wake();
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

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
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
        var time = state.TimeProvider;
        HttpClient? client = null;
        var clientSince = 0L;

        // One wait for a wake-up at a time, kept across rounds until it completes: a new wait per round would pile up
        // abandoned waiters on the semaphore (one per interval, for the life of the client), and a Release would then
        // complete the oldest abandoned one instead of waking the loop.
        Task? wake = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var options = Volatile.Read(ref _options);
                client = Renew(client, ref clientSince);
                if (client is not null)
                {
                    await ProbeAsync(client, options, uncheckedOnly: false, cancellationToken).ConfigureAwait(false);
                }

                var jitter = 1 + (options.Jitter * ((2 * random.NextDouble()) - 1));
                var delay = Task.Delay(options.Interval * jitter, time, cancellationToken);
                while (true)
                {
                    wake ??= _wake.WaitAsync(cancellationToken);
                    if (await Task.WhenAny(delay, wake).ConfigureAwait(false) != wake)
                    {
                        break;
                    }

                    wake = null;
                    if (Interlocked.Exchange(ref _fullRound, 0) != 0 || client is null)
                    {
                        break;
                    }

                    await ProbeAsync(client, Volatile.Read(ref _options), uncheckedOnly: true, cancellationToken).ConfigureAwait(false);
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
        finally
        {
            client?.Dispose();
        }
    }

    /// <summary>The client to probe with: the current one while its handler is young enough, else one on a new handler.</summary>
    private HttpClient? Renew(HttpClient? client, ref long since)
    {
        var now = state.TimeProvider.GetTimestamp();
        var lifetime = transport.Lifetime;
        if (client is not null && (lifetime == Timeout.InfiniteTimeSpan || state.TimeProvider.GetElapsedTime(since, now) < lifetime))
        {
            return client;
        }

        try
        {
            var next = new HttpClient(transport.Create(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            client?.Dispose();
            since = now;
            return next;
        }
#pragma warning disable CA1031 // A broken handler factory must not stop the checks for good: log, keep the last handler, try again next round.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.HealthCheckTransportFailed(state.Logger, exception, state.Name);
            return client;
        }
    }

    private async Task ProbeAsync(HttpClient client, ActiveHealthCheckOptions options, bool uncheckedOnly, CancellationToken cancellationToken)
    {
        var endpoints = state.Endpoints;
        using var gate = new SemaphoreSlim(MaxConcurrentProbes);
        var probes = new List<Task>(endpoints.Length);
        foreach (var endpoint in endpoints)
        {
            if (!uncheckedOnly || endpoint.Stats.Health.ActiveState == ActiveHealth.Unknown)
            {
                probes.Add(ProbeAsync(client, gate, endpoint, options, cancellationToken));
            }
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
                success = probe is null
                    ? await HttpGetAsync(client, endpoint, options, linked.Token).ConfigureAwait(false)
                    : await probe(client, endpoint, options, linked.Token).ConfigureAwait(false);
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

    private static async Task<bool> HttpGetAsync(HttpClient client, BalancerEndpoint endpoint, ActiveHealthCheckOptions options, CancellationToken cancellationToken)
    {
        var uri = new Uri(endpoint.Address, options.Path.TrimStart('/'));
        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }
}

/// <summary>One active check of one endpoint over the check transport's client: <see langword="true"/> when healthy.</summary>
internal delegate Task<bool> HealthProbe(HttpClient client, BalancerEndpoint endpoint, ActiveHealthCheckOptions options, CancellationToken cancellationToken);

/// <summary>A probe other than the HTTP GET of <see cref="ActiveHealthCheckOptions.Path"/> for one client (gRPC's health protocol).</summary>
internal sealed record HealthProbeRegistration(string ClientName, HealthProbe Probe);
