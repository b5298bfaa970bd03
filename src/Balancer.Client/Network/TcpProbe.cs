using System.Net;
using System.Net.Sockets;

namespace Balancer.Client.Network;

/// <summary>
/// One round-trip measurement: connect, half-close at once, and wait for the endpoint to close its side (what an HTTP
/// server does with a connection that sends no request). Connecting takes one round trip and the close another, so
/// the sample is half the total. An endpoint that does not close in time is measured by its connect time alone; one
/// that resets the connection after accepting it was still reached. Only a failed or timed-out connect is a failure.
/// </summary>
internal static class TcpProbe
{
    /// <summary>Returns the round trip in seconds, or null when the endpoint could not be reached.</summary>
    public static async Task<double?> MeasureAsync(string host, int port, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        EndPoint target = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        var start = timeProvider.GetTimestamp();
        try
        {
            await socket.ConnectAsync(target, linked.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        var connected = timeProvider.GetTimestamp();
        var connectSeconds = Seconds(connected - start, timeProvider);
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[64];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, linked.Token).ConfigureAwait(false) > 0)
            {
                // Whatever the endpoint says before closing is ignored.
            }

            return Seconds(timeProvider.GetTimestamp() - start, timeProvider) / 2;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return connectSeconds;
        }
    }

    private static double Seconds(long elapsed, TimeProvider timeProvider) => (double)elapsed / timeProvider.TimestampFrequency;
}
