using System.Net;
using System.Net.Sockets;
using Balancer.Client.Endpoints;
using Balancer.Client.Network;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Network;

/// <summary>
/// Probe scheduling on a fake clock against real loopback listeners: the clock decides when probes run, the sockets are real.
/// </summary>
public sealed class NetworkProberTests : IAsyncDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private readonly TestEndpoints _endpoints = new();
    private readonly List<IDisposable> _owned = [];
    private readonly SemaphoreSlim _rounds = new(0);

    [Fact]
    public async Task Configure_Enabled_ProbesAtOnceThenEveryIntervalWithinTheJitter()
    {
        var (listener, endpoint) = Listen();
        using var prober = Start([endpoint], new NetworkProbeOptions { Interval = TimeSpan.FromSeconds(5), Jitter = 0.2 });

        await NextRoundAsync();
        prober.ProbesStarted.Should().Be(1);
        endpoint.Stats.Network.Samples.Should().Be(1, "the listener accepted the connection");

        _endpoints.Time.Advance(TimeSpan.FromSeconds(3.99)); // below 5 s × (1 − 0.2)
        prober.ProbesStarted.Should().Be(1);

        _endpoints.Time.Advance(TimeSpan.FromSeconds(2.02)); // past 5 s × (1 + 0.2)
        await NextRoundAsync();
        prober.ProbesStarted.Should().Be(2);
        listener.Accepted.Should().Be(2);
    }

    [Fact]
    public async Task Configure_Disabled_SendsNothing()
    {
        var (listener, endpoint) = Listen();
        using var prober = new NetworkProber(() => [endpoint], _endpoints.Time);

        prober.Configure(new NetworkProbeOptions { Enabled = false }.ToSettings(), wanted: true);
        prober.Configure(new NetworkProbeOptions().ToSettings(), wanted: false);
        _endpoints.Time.Advance(TimeSpan.FromMinutes(5));
        await Task.Yield();

        prober.IsRunning.Should().BeFalse();
        prober.ProbesStarted.Should().Be(0);
        listener.Accepted.Should().Be(0);
    }

    [Fact]
    public async Task Configure_TurnedOff_StopsTheLoop()
    {
        var (_, endpoint) = Listen();
        using var prober = Start([endpoint], new NetworkProbeOptions { Interval = TimeSpan.FromSeconds(1), Jitter = 0 });
        await NextRoundAsync();

        prober.Configure(new NetworkProbeOptions { Enabled = false }.ToSettings(), wanted: true);
        _endpoints.Time.Advance(TimeSpan.FromMinutes(1));

        prober.IsRunning.Should().BeFalse();
        prober.ProbesStarted.Should().Be(1);
    }

    [Fact]
    public async Task Dispose_StopsProbing()
    {
        var (listener, endpoint) = Listen();
        var prober = Start([endpoint], new NetworkProbeOptions { Interval = TimeSpan.FromSeconds(1), Jitter = 0 });
        await NextRoundAsync();

        prober.Dispose();
        _endpoints.Time.Advance(TimeSpan.FromMinutes(1));

        prober.IsRunning.Should().BeFalse();
        prober.ProbesStarted.Should().Be(1);
        listener.Accepted.Should().Be(1);
    }

    [Fact]
    public async Task ProbeRound_RespectsMaxConcurrency_AndProbesEveryEndpoint()
    {
        // Listeners that never close their side hold each probe until its timeout (on the fake clock).
        var endpoints = Enumerable.Range(0, 6).Select(_ => Listen(silent: true).Endpoint).ToArray();
        using var prober = Start(endpoints, new NetworkProbeOptions { Interval = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(1), MaxConcurrency = 2 });

        // Each wave of two waits for its timeout; advance the clock until the round completes.
        var round = NextRoundAsync();
        while (!round.IsCompleted)
        {
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(round, Task.Delay(20));
        }

        await round;
        prober.ProbesStarted.Should().Be(6);
        prober.MaxConcurrentProbes.Should().Be(2);
        endpoints.Should().OnlyContain(e => e.Stats.Network.Samples + e.Stats.Network.ConsecutiveFailures == 1, "each endpoint is probed once per round");
    }

    [Fact]
    public async Task ProbeRound_SameHostAndPort_IsProbedOnceForAllItsEndpoints()
    {
        var (listener, endpoint) = Listen();
        var sibling = new BalancerEndpoint(new Uri($"http://127.0.0.1:{endpoint.Port}/other/"), 1, null, null, new Balancer.Client.Feedback.EndpointStats(_endpoints.Settings));
        using var prober = Start([endpoint, sibling], new NetworkProbeOptions());

        await NextRoundAsync();

        listener.Accepted.Should().Be(1);
        sibling.Stats.Network.Samples.Should().Be(1);
    }

    [Fact]
    public async Task ProbeRound_ClosedPort_CountsAConnectFailure()
    {
        var endpoint = _endpoints.Create(ClosedPort());
        using var prober = Start([endpoint], new NetworkProbeOptions());

        await NextRoundAsync();

        endpoint.Stats.Network.ConsecutiveFailures.Should().Be(1);
        endpoint.Stats.Network.Samples.Should().Be(0);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private NetworkProber Start(BalancerEndpoint[] endpoints, NetworkProbeOptions options)
    {
        var prober = new NetworkProber(() => endpoints, _endpoints.Time);
        prober.RoundCompleted += () => _rounds.Release();
        prober.Configure(options.ToSettings(), wanted: true);
        return prober;
    }

    private async Task NextRoundAsync() => (await _rounds.WaitAsync(s_wait)).Should().BeTrue("a probe round should complete");

    private (Listener Listener, BalancerEndpoint Endpoint) Listen(bool silent = false)
    {
        var listener = new Listener(silent);
        _owned.Add(listener);
        return (listener, _endpoints.Create(listener.Port));
    }

    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A loopback listener that counts connections and closes each at once, or (silent) keeps them open without a word.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _held = [];
        private int _accepted;

        public Listener(bool silent)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.Listen(64);
            Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            _ = AcceptAsync(silent);
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _socket.Dispose();
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }
        }

        private async Task AcceptAsync(bool silent)
        {
            try
            {
                while (true)
                {
                    var connection = await _socket.AcceptAsync();
                    Interlocked.Increment(ref _accepted);
                    if (silent)
                    {
                        lock (_held)
                        {
                            _held.Add(connection);
                        }
                    }
                    else
                    {
                        connection.Dispose();
                    }
                }
            }
            catch (Exception) when (!_socket.Connected)
            {
                // Disposed.
            }
        }
    }
}
