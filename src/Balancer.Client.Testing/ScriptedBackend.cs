using System.Globalization;
using Balancer.Client.Testing.Internal;

namespace Balancer.Client.Testing;

/// <summary>
/// An in-process HTTP backend on 127.0.0.1 whose answers follow a <see cref="BackendBehavior"/> that can change while
/// it runs. Every response carries <see cref="BackendHeaders.Backend"/>; GET responses have the name as body, and a
/// request body is echoed back with <see cref="BackendHeaders.BodySha256"/>.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private const int RestartAttempts = 10;

    private readonly BackendState _state;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private BackendHost? _host;
    private bool _disposed;

    private ScriptedBackend(BackendState state, BackendHost host)
    {
        _state = state;
        _host = host;
        Port = host.Port;
        Address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
    }

    /// <summary>Gets the backend's name, as sent in <see cref="BackendHeaders.Backend"/>.</summary>
    public string Name => _state.Name;

    /// <summary>Gets the base address, <c>http://127.0.0.1:{port}/</c>; it stays the same across <see cref="StopAsync"/> and <see cref="RestartAsync"/>.</summary>
    public Uri Address { get; }

    /// <summary>Gets the TCP port the backend listens on.</summary>
    public int Port { get; }

    /// <summary>Gets the live behaviour; changes apply to requests arriving afterwards.</summary>
    public BackendBehavior Behavior => _state.Behavior;

    /// <summary>Gets a value indicating whether the backend currently accepts connections.</summary>
    public bool IsRunning => Volatile.Read(ref _host) is not null;

    /// <summary>Gets the number of requests that reached the backend since the start or the last <see cref="ResetCounters"/>, whatever their fate (served, failed, reset, swallowed); health checks are counted apart, in <see cref="HealthChecksReceived"/>.</summary>
    public long RequestsReceived => _state.Received.Value;

    /// <summary>
    /// Gets the number of health checks (GET or HEAD of <c>/health</c>, see <see cref="BackendBehavior.HealthStatusCode"/>)
    /// received since the start or the last <see cref="ResetCounters"/>; they are not part of <see cref="RequestsReceived"/>.
    /// </summary>
    public long HealthChecksReceived => _state.HealthChecks.Value;

    /// <summary>Gets the number of requests answered with 2xx since the start or the last <see cref="ResetCounters"/>.</summary>
    public long RequestsServed => _state.Served;

    /// <summary>Gets the number of requests the backend holds right now without having answered them: stalled, queued, in service or swallowed.</summary>
    public int QueueLength => _state.Pending;

    /// <summary>Gets the number of requests in their service time right now (at most <see cref="BackendBehavior.Capacity"/>).</summary>
    public int InService => _state.InService;

    /// <summary>Gets the last <see cref="BackendOptions.RequestLogCapacity"/> requests received (10,000 by default), oldest first (a snapshot).</summary>
    public IReadOnlyList<ReceivedRequest> Received => _state.Log.Snapshot();

    /// <summary>Starts a backend on an ephemeral port of 127.0.0.1.</summary>
    /// <param name="options">The name, behaviour, seed and clock of the backend.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running backend; dispose it to stop it for good.</returns>
    public static async Task<ScriptedBackend> StartAsync(BackendOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateName(options.Name);
        var state = new BackendState(options);
        var host = await BackendHost.StartAsync(state, 0, cancellationToken).ConfigureAwait(false);
        return new ScriptedBackend(state, host);
    }

    /// <summary>Sets <see cref="RequestsReceived"/>, <see cref="RequestsServed"/> and <see cref="HealthChecksReceived"/> to zero and clears <see cref="Received"/>; live counts stay.</summary>
    public void ResetCounters() => _state.ResetCounters();

    /// <summary>Completes when <see cref="RequestsReceived"/> reaches <paramref name="count"/>: a signal for tests, instead of polling.</summary>
    /// <param name="count">The number of received requests to wait for.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes once the backend has received <paramref name="count"/> requests.</returns>
    public Task WaitForRequestsAsync(long count, CancellationToken cancellationToken = default) =>
        _state.Received.WaitForAsync(count, cancellationToken);

    /// <summary>Completes when <see cref="HealthChecksReceived"/> reaches <paramref name="count"/>.</summary>
    /// <param name="count">The number of health checks to wait for.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes once the backend has received <paramref name="count"/> health checks.</returns>
    public Task WaitForHealthChecksAsync(long count, CancellationToken cancellationToken = default) =>
        _state.HealthChecks.WaitForAsync(count, cancellationToken);

    /// <summary>
    /// Stops listening: requests the backend still holds are aborted and new connections are refused. The port is
    /// kept for <see cref="RestartAsync"/>. Does nothing when already stopped.
    /// </summary>
    /// <returns>A task that completes when the backend no longer accepts connections.</returns>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            var host = Interlocked.Exchange(ref _host, null);
            if (host is not null)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again on the same port after <see cref="StopAsync"/>, with the same behaviour and counters. Does nothing when running.</summary>
    /// <returns>A task that completes when the backend accepts connections again.</returns>
    /// <exception cref="IOException">The port was taken by another process meanwhile.</exception>
    public async Task RestartAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_host is not null)
            {
                return;
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Volatile.Write(ref _host, await BackendHost.StartAsync(_state, Port, CancellationToken.None).ConfigureAwait(false));
                    return;
                }
                catch (IOException) when (attempt < RestartAttempts)
                {
                    // The listening socket of the previous run may still be closing; give it a moment.
                    await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the backend for good.</summary>
    /// <returns>A task that completes when the backend has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Address})";

    private static void ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length != name.Length || name.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException($"Backend name '{name}' must be non-empty printable ASCII without surrounding spaces, as it is sent in a header.", nameof(name));
        }
    }
}
