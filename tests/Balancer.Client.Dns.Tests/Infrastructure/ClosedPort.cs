using System.Net;
using System.Net.Sockets;

namespace Balancer.Client.Dns.Tests.Infrastructure;

/// <summary>Ports on 127.0.0.1 where nothing listens: queries sent there are refused at once.</summary>
internal static class ClosedPort
{
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
