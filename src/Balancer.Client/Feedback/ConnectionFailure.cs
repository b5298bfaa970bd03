using System.Net.Sockets;

namespace Balancer.Client.Feedback;

/// <summary>
/// Tells a failure to connect (nothing was sent, so nothing can have been processed) from other transport failures:
/// refused, host or network unreachable, connect timed out.
/// </summary>
internal static class ConnectionFailure
{
    /// <summary>Whether <paramref name="exception"/> says the connection to the endpoint could not be established.</summary>
    public static bool IsConnectionFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }

            if (e is SocketException socket && IsConnectError(socket.SocketErrorCode))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConnectError(SocketError error) => error is SocketError.ConnectionRefused
        or SocketError.HostUnreachable
        or SocketError.NetworkUnreachable
        or SocketError.HostDown
        or SocketError.TimedOut;
}
