using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Internal;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Health;

/// <summary>
/// Probes every endpoint of a client with an HTTP GET at an interval (with jitter) while active checks are on; sends
/// nothing while they are off; stops when the client is disposed. Endpoints added between rounds (by a source) are
/// probed at once, the others keep their interval. Probes go through the client's own transport (see
/// <see cref="IHealthCheckTransport"/>), never through the balancing handler. Results go to <see cref="HealthMonitor.OnCheck"/>.
/// </summary>
internal sealed class ActiveHealthChecker : IDisposable
{
    private const int MaxConcurrentProbes = 16;
    private readonly object _lock = new();
    private readonly string _clientName;
    private readonly HealthMonitor _health;
    private readonly Func<BalancerEndpoint[]> _endpoints;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IHealthCheckTransport _transport;
    private readonly HealthProbe? _probe;
    private readonly PeriodicLoop _loop;
    private ActiveHealthCheckOptions _options = new();
    private HttpClient? _client;
    private long _clientSince;
    private bool _disposed;

    public ActiveHealthChecker(string client, HealthMonitor health, Func<BalancerEndpoint[]> endpoints, TimeProvider timeProvider, ILogger logger, IHealthCheckTransport transport, HealthProbe? probe = null)
    {
        _clientName = client;
        _health = health;
        _endpoints = endpoints;
        _timeProvider = timeProvider;
        _logger = logger;
        _transport = transport;
        _probe = probe;

        // The first pass runs on the thread pool: building the transport runs the application's handler configuration,
        // which must not run under the client's locks or inside its construction.
        _loop = new PeriodicLoop(
            PassAsync,
            () => Volatile.Read(ref _options) is var options ? (options.Interval, options.Jitter) : default,
            timeProvider,
            exception => Log.BackgroundPassFailed(logger, exception, client, "active health checks"));
        _loop.Stopped += ReleaseClient;
    }

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
            if (!options.Enabled)
            {
                _ = _loop.Stop();
            }
            else if (!_loop.Start())
            {
                _loop.RunNow();
            }
        }
    }

    /// <summary>Probes the endpoints that were never checked (just added) at once, without waiting for the interval.</summary>
    public void OnEndpointsAdded() => _loop.Wake();

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _loop.Dispose();
        }
    }

    /// <summary>
    /// A scheduled pass probes every endpoint (on a renewed client when the handler is old); a woken one only those
    /// never checked, unless there is no client yet.
    /// </summary>
    private async Task PassAsync(PeriodicPass kind, CancellationToken cancellationToken)
    {
        var uncheckedOnly = kind == PeriodicPass.Woken && _client is not null;
        if (!uncheckedOnly)
        {
            _client = Renew(_client, ref _clientSince);
        }

        if (_client is { } client)
        {
            await ProbeAsync(client, Volatile.Read(ref _options), uncheckedOnly, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The run ended (one run at a time, so no pass is using the client).</summary>
    private void ReleaseClient()
    {
        _client?.Dispose();
        _client = null;
    }

    /// <summary>The client to probe with: the current one while its handler is young enough, else one on a new handler.</summary>
    private HttpClient? Renew(HttpClient? client, ref long since) =>
        TransportClient.Renew(_transport, _timeProvider, client, ref since, exception => Log.HealthCheckTransportFailed(_logger, exception, _clientName));

    private async Task ProbeAsync(HttpClient client, ActiveHealthCheckOptions options, bool uncheckedOnly, CancellationToken cancellationToken)
    {
        var endpoints = _endpoints();
        using var gate = new SemaphoreSlim(MaxConcurrentProbes);
        var probes = new List<Task>(endpoints.Length);
        foreach (var endpoint in endpoints)
        {
            if (!uncheckedOnly || endpoint.Health.ActiveState == ActiveHealth.Unknown)
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
            using var timeout = new CancellationTokenSource(options.Timeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            bool success;
            try
            {
                success = _probe is null
                    ? await HttpGetAsync(client, endpoint, options, linked.Token).ConfigureAwait(false)
                    : await _probe(client, endpoint, options, linked.Token).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                success = false;
            }

            _health.OnCheck(endpoint, success);
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

/// <summary>Renews the <see cref="HttpClient"/> that checks and probes send through, as the transport's handler ages.</summary>
internal static class TransportClient
{
    /// <summary>
    /// <paramref name="client"/> while its handler is younger than <see cref="IHealthCheckTransport.Lifetime"/>, else
    /// a client on a new handler (the old one is disposed, <paramref name="since"/> set to now). A factory that throws
    /// goes to <paramref name="failed"/> and the old client is kept, to be renewed again next time.
    /// </summary>
    public static HttpClient? Renew(IHealthCheckTransport transport, TimeProvider timeProvider, HttpClient? client, ref long since, Action<Exception> failed)
    {
        var now = timeProvider.GetTimestamp();
        var lifetime = transport.Lifetime;
        if (client is not null && (lifetime == Timeout.InfiniteTimeSpan || timeProvider.GetElapsedTime(since, now) < lifetime))
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
#pragma warning disable CA1031 // A broken handler factory must not stop checks or probes for good: report, keep the last handler, try again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failed(exception);
            return client;
        }
    }
}

/// <summary>Where the active checks of one client get their handler: the client's own transport, without the balancer.</summary>
internal interface IHealthCheckTransport
{
    /// <summary>Gets how long one handler is used before a new one is made (DNS changes, rotated certificates).</summary>
    TimeSpan Lifetime { get; }

    /// <summary>Makes a handler; the caller disposes it.</summary>
    HttpMessageHandler Create();
}

/// <summary>One active check of one endpoint over the check transport's client: <see langword="true"/> when healthy.</summary>
internal delegate Task<bool> HealthProbe(HttpClient client, BalancerEndpoint endpoint, ActiveHealthCheckOptions options, CancellationToken cancellationToken);

/// <summary>A probe other than the HTTP GET of <see cref="ActiveHealthCheckOptions.Path"/> for one client (gRPC's health protocol).</summary>
internal sealed record HealthProbeRegistration(string ClientName, HealthProbe Probe);
