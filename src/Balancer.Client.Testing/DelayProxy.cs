using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Balancer.Client.Testing.Internal;

namespace Balancer.Client.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 (an ephemeral port) that forwards each connection to a target and adds a delay to the
/// bytes going each way, so that backends on loopback can sit at different network distances. Delays can change while
/// it runs; bytes keep their order, and a change applies to bytes read afterwards.
/// </summary>
/// <remarks>
/// <para>
/// A proxy in user space cannot hold back the kernel's TCP handshake: a client's connect completes at once. The proxy
/// emulates the handshake instead: with <see cref="DelayConnectionEstablishment"/> (the default) a new connection
/// carries no byte for one round trip (<see cref="UpstreamDelay"/> + <see cref="DownstreamDelay"/>), and only then is
/// the target connected. So the first request of a new connection pays two round trips, as on a real network, and a
/// probe that half-closes a new connection and waits for the peer's close sees two round trips too.
/// </para>
/// <para>
/// Closes travel like bytes (a client's half-close reaches the target after the upstream delay, and back). When the
/// target refuses the connection, or either side resets it, the other side is reset. Dispose the proxy to close every
/// connection.
/// </para>
/// </remarks>
public sealed class DelayProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<DelayedConnection, Task> _connections = new();
    private readonly CountSignal _accepted = new();
    private readonly Task _acceptLoop;
    private long _upstreamTicks;
    private long _downstreamTicks;
    private int _delayEstablishment = 1;
    private int _disposed;

    private DelayProxy(IPEndPoint target, TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Target = target;
        _upstreamTicks = _downstreamTicks = delay.Ticks;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        Address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        _acceptLoop = AcceptAsync(_stopping.Token);
    }

    /// <summary>Gets the target every connection is forwarded to.</summary>
    public IPEndPoint Target { get; }

    /// <summary>Gets the port the proxy listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets the proxy's address as an endpoint address, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Gets or sets the delay added to bytes from the client to the target.</summary>
    /// <value>The delay given at the start; never negative.</value>
    public TimeSpan UpstreamDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _upstreamTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _upstreamTicks, value.Ticks);
        }
    }

    /// <summary>Gets or sets the delay added to bytes from the target to the client.</summary>
    /// <value>The delay given at the start; never negative.</value>
    public TimeSpan DownstreamDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _downstreamTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _downstreamTicks, value.Ticks);
        }
    }

    /// <summary>Gets the round trip the proxy adds: <see cref="UpstreamDelay"/> + <see cref="DownstreamDelay"/>.</summary>
    public TimeSpan RoundTripDelay => UpstreamDelay + DownstreamDelay;

    /// <summary>
    /// Gets or sets a value indicating whether a new connection carries no byte for one <see cref="RoundTripDelay"/>
    /// after it is accepted, as a TCP handshake over that distance would take.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool DelayConnectionEstablishment
    {
        get => Volatile.Read(ref _delayEstablishment) != 0;
        set => Volatile.Write(ref _delayEstablishment, value ? 1 : 0);
    }

    /// <summary>Gets the number of connections accepted since the start.</summary>
    public long ConnectionsAccepted => _accepted.Value;

    /// <summary>Gets the number of connections open right now.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Starts a proxy to <paramref name="target"/>.</summary>
    /// <param name="target">Where connections go, such as a backend on 127.0.0.1.</param>
    /// <param name="delay">The delay added in each direction at first (so the round trip grows by twice this); <see cref="TimeSpan.Zero"/> for none.</param>
    /// <returns>The running proxy; dispose it to stop it.</returns>
    public static DelayProxy Start(IPEndPoint target, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new DelayProxy(target, delay);
    }

    /// <summary>Starts a proxy to <paramref name="backend"/> (its port on 127.0.0.1, so it follows a restart).</summary>
    /// <param name="backend">The backend.</param>
    /// <param name="delay">The delay added in each direction at first (so the round trip grows by twice this); <see cref="TimeSpan.Zero"/> for none.</param>
    /// <returns>The running proxy; dispose it to stop it.</returns>
    public static DelayProxy Start(ScriptedBackend backend, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return new DelayProxy(new IPEndPoint(IPAddress.Loopback, backend.Port), delay);
    }

    /// <summary>Sets the same delay in both directions (so the round trip grows by twice <paramref name="oneWay"/>).</summary>
    /// <param name="oneWay">The delay each way; not negative.</param>
    public void SetDelay(TimeSpan oneWay)
    {
        UpstreamDelay = oneWay;
        DownstreamDelay = oneWay;
    }

    /// <summary>Completes when <see cref="ConnectionsAccepted"/> reaches <paramref name="count"/>.</summary>
    /// <param name="count">The number of accepted connections to wait for.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes once the proxy has accepted <paramref name="count"/> connections.</returns>
    public Task WaitForConnectionsAsync(long count, CancellationToken cancellationToken = default) =>
        _accepted.WaitForAsync(count, cancellationToken);

    /// <summary>Stops listening and closes every connection.</summary>
    /// <returns>A task that completes when the proxy has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Address} -> {Target} (+{UpstreamDelay.TotalMilliseconds:0.#} ms / +{DownstreamDelay.TotalMilliseconds:0.#} ms)";

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            client.NoDelay = true;
            _accepted.Increment();
            var connection = new DelayedConnection(client, Target, () => UpstreamDelay, () => DownstreamDelay);
            var establishment = DelayConnectionEstablishment ? RoundTripDelay : TimeSpan.Zero;
            var run = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection] = run.Task;
            _ = RunAsync(connection, establishment, run, cancellationToken);
        }
    }

    private async Task RunAsync(DelayedConnection connection, TimeSpan establishment, TaskCompletionSource run, CancellationToken cancellationToken)
    {
        try
        {
            await connection.RunAsync(establishment, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            run.TrySetResult();
        }
    }
}
