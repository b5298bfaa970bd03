using System.Net;
using System.Net.Sockets;
using Balancer.Client.Network;
using Balancer.Client.Testing;

namespace Balancer.Client.Tests.Network;

/// <summary>The probe against real loopback peers, on the real clock.</summary>
public sealed class TcpProbeTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Measure_PeerBehindDelayProxy_SeesTheAddedRoundTrip()
    {
        using var peer = new Peer(PeerBehavior.Close);
        await using var near = DelayProxy.Start(peer.EndPoint, TimeSpan.Zero);
        await using var far = DelayProxy.Start(peer.EndPoint, TimeSpan.FromMilliseconds(30));

        var nearRtt = await BestOfThreeAsync(near.Port);
        var farRtt = await BestOfThreeAsync(far.Port);

        // Connect (emulated handshake, 60 ms) + close round trip (60 ms), halved: never below 60 ms through the far proxy.
        farRtt.Should().BeGreaterThanOrEqualTo(0.059);
        nearRtt.Should().BeLessThan(farRtt - 0.030);
    }

    [Fact]
    public async Task Measure_PeerThatNeverCloses_IsMeasuredByConnectTime()
    {
        using var peer = new Peer(PeerBehavior.Hold);
        var timeout = TimeSpan.FromSeconds(2);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var rtt = await TcpProbe.MeasureAsync("127.0.0.1", peer.EndPoint.Port, timeout, TimeProvider.System, CancellationToken.None);

        // The probe waited for a close that never came, then kept the connect time: reached, not failed.
        started.Elapsed.Should().BeGreaterThanOrEqualTo(timeout - TimeSpan.FromMilliseconds(20));
        rtt.Should().NotBeNull().And.BeLessThan(timeout.TotalSeconds);
    }

    [Fact]
    public async Task Measure_ClosedPort_Fails()
    {
        int port;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        }

        var rtt = await TcpProbe.MeasureAsync("127.0.0.1", port, s_timeout, TimeProvider.System, CancellationToken.None);

        rtt.Should().BeNull();
    }

    private static async Task<double> BestOfThreeAsync(int port)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var rtt = await TcpProbe.MeasureAsync("127.0.0.1", port, s_timeout, TimeProvider.System, CancellationToken.None);
            best = Math.Min(best, rtt ?? double.MaxValue);
        }

        return best;
    }

    private enum PeerBehavior
    {
        Close,
        Hold,
    }

    /// <summary>A loopback peer that closes every connection it accepts once the client has ended it, or holds it open.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _held = [];

        public Peer(PeerBehavior behavior)
        {
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _socket.Listen(16);
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _ = AcceptAsync(behavior);
        }

        public IPEndPoint EndPoint { get; }

        public void Dispose()
        {
            _socket.Dispose();
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }
        }

        private async Task AcceptAsync(PeerBehavior behavior)
        {
            try
            {
                while (true)
                {
                    var connection = await _socket.AcceptAsync();
                    switch (behavior)
                    {
                        case PeerBehavior.Close:
                            _ = CloseOnEndAsync(connection);
                            break;
                        default:
                            lock (_held)
                            {
                                _held.Add(connection);
                            }

                            break;
                    }
                }
            }
            catch (Exception)
            {
                // Disposed.
            }
        }

        private static async Task CloseOnEndAsync(Socket connection)
        {
            // As an HTTP server does: read until the client's end, then close.
            var buffer = new byte[64];
            while (await connection.ReceiveAsync(buffer) > 0)
            {
            }

            connection.Dispose();
        }
    }
}
