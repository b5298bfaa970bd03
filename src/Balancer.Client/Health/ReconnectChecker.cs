using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Health;

/// <summary>
/// Checks out of band whether an endpoint that a connection failure took out is reachable again: a plain TCP connect
/// after a delay that starts at <see cref="ConnectionFailureOptions.InitialBackoff"/> and grows by
/// <see cref="ConnectionFailureOptions.BackoffMultiplier"/> up to <see cref="ConnectionFailureOptions.MaxBackoff"/>,
/// each with ± <see cref="ConnectionFailureOptions.Jitter"/> (gRPC's connection backoff). The first connect that
/// succeeds hands the endpoint to <see cref="HealthMonitor.OnReconnected"/>. One loop per endpoint, on the client's
/// <see cref="TimeProvider"/>; a loop ends when its endpoint leaves the set, and all end on dispose.
/// </summary>
internal sealed class ReconnectChecker : IDisposable
{
    private readonly ConcurrentDictionary<string, PeriodicLoop> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _verifying = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposing = new();
    private readonly HealthMonitor _health;
    private readonly Func<EndpointSet> _endpoints;
    private readonly TimeProvider _timeProvider;
    private readonly Action<Exception> _failed;
    private long _checks;
    private long _waits;
    private volatile bool _disposed;

    public ReconnectChecker(HealthMonitor health, Func<EndpointSet> endpoints, TimeProvider timeProvider, ILogger? logger = null, string client = "")
    {
        _health = health;
        _endpoints = endpoints;
        _timeProvider = timeProvider;
        logger ??= NullLogger.Instance;
        _failed = exception => Log.BackgroundPassFailed(logger, exception, client, "reconnect checks");
    }

    /// <summary>The reconnect checks made so far (connects tried), for tests and inspection.</summary>
    public long ChecksMade => Interlocked.Read(ref _checks);

    /// <summary>The backoff delays started so far (each counted once its timer is set), for tests.</summary>
    public long WaitsStarted => Interlocked.Read(ref _waits);

    /// <summary>The endpoints (keys) whose reconnect checks are running.</summary>
    public ICollection<string> Watched => _running.Keys;

    /// <summary>
    /// The delay before reconnect check number <paramref name="attempt"/> (0 for the first):
    /// min(initial × multiplier^attempt, max) × (1 ± jitter), where <paramref name="random"/> (0 to 1) picks the jitter.
    /// </summary>
    public static TimeSpan Backoff(int attempt, ConnectionFailureOptions options, double random) =>
        PeriodicLoop.Jittered(Capped(attempt, options), options.Jitter, random);

    /// <summary>Starts the reconnect checks of <paramref name="endpoint"/> unless they are running.</summary>
    public void Watch(BalancerEndpoint endpoint)
    {
        if (_disposed)
        {
            return;
        }

        // Each check follows a backoff delay (set before Start returns), the first one included.
        PeriodicLoop? loop = null;
        var attempt = 0;
        loop = new PeriodicLoop(
            (_, cancellationToken) => CheckAsync(endpoint, loop!, cancellationToken),
            () => _health.Options.ConnectionFailure is var options ? (Capped(attempt++, options), options.Jitter) : default,
            _timeProvider,
            _failed,
            passAtStart: false);
        loop.Waiting += () => Interlocked.Increment(ref _waits);
        if (!_running.TryAdd(endpoint.Key, loop))
        {
            return;
        }

        loop.Start();

        // Disposed, or the endpoint left the set, between the registration and the start: the loop must not outlive it.
        if (_disposed || !_running.TryGetValue(endpoint.Key, out var registered) || !ReferenceEquals(registered, loop))
        {
            loop.Dispose();
        }
    }

    /// <summary>
    /// Connects to <paramref name="endpoint"/> once, now (one such check per endpoint at a time), after a transport
    /// failure that was not a failed connect; when the connect fails the endpoint is out as after a refused attempt.
    /// </summary>
    public void Verify(BalancerEndpoint endpoint)
    {
        if (_disposed || !_verifying.TryAdd(endpoint.Key, true))
        {
            return;
        }

        _ = VerifyAsync(endpoint);
    }

    /// <summary>Stops the checks of endpoints that are no longer in <paramref name="set"/>.</summary>
    public void Retain(EndpointSet set)
    {
        foreach (var key in _running.Keys)
        {
            if (!Contains(set, key))
            {
                Stop(key);
            }
        }
    }

    /// <summary>Stops every check (connection failures were switched off).</summary>
    public void StopAll()
    {
        foreach (var key in _running.Keys)
        {
            Stop(key);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _disposing.Cancel();
        StopAll();
    }

    private async Task VerifyAsync(BalancerEndpoint endpoint)
    {
        var cancellationToken = _disposing.Token;
        try
        {
            Interlocked.Increment(ref _checks);
            if (!await CanConnectAsync(endpoint, _health.Options.ConnectionFailure.ConnectTimeout, cancellationToken).ConfigureAwait(false))
            {
                _health.OnConnectFailed(endpoint, _endpoints(), _timeProvider.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            _verifying.TryRemove(endpoint.Key, out _);
        }
    }

    private static bool Contains(EndpointSet set, string key)
    {
        foreach (var endpoint in set.Endpoints)
        {
            if (string.Equals(endpoint.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static TimeSpan Capped(int attempt, ConnectionFailureOptions options) =>
        TimeSpan.FromSeconds(Math.Min(options.InitialBackoff.TotalSeconds * Math.Pow(options.BackoffMultiplier, attempt), options.MaxBackoff.TotalSeconds));

    private void Stop(string key)
    {
        if (_running.TryRemove(key, out var loop))
        {
            loop.Dispose();
        }
    }

    /// <summary>One reconnect check, after its backoff delay: the first connect that succeeds returns the endpoint and ends the loop.</summary>
    private async Task CheckAsync(BalancerEndpoint endpoint, PeriodicLoop loop, CancellationToken cancellationToken)
    {
        if (endpoint.Health.IsUnreachable && Contains(_endpoints(), endpoint.Key))
        {
            Interlocked.Increment(ref _checks);
            if (!await CanConnectAsync(endpoint, _health.Options.ConnectionFailure.ConnectTimeout, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            _health.OnReconnected(endpoint, _timeProvider.GetTimestamp());
        }

        // Back (by this connect or by an answer), or left the set: the loop ends, unless it was stopped already (the
        // endpoint left the set, the checks were switched off, or the client was disposed).
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        loop.Dispose();
        _running.TryRemove(new KeyValuePair<string, PeriodicLoop>(endpoint.Key, loop));

        // A connection failure between the last check and the removal above found the loop still registered and
        // started none: start it now, or the endpoint would stay out for good.
        if (endpoint.Health.IsUnreachable && Contains(_endpoints(), endpoint.Key))
        {
            Watch(endpoint);
        }
    }

    private async Task<bool> CanConnectAsync(BalancerEndpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var host = endpoint.Address.DnsSafeHost;
        EndPoint target = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, endpoint.Port) : new DnsEndPoint(host, endpoint.Port);
        try
        {
            await socket.ConnectAsync(target, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
