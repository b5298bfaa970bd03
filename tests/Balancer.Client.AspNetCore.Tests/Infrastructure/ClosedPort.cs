using System.Net;
using System.Net.Sockets;

namespace Balancer.Client.AspNetCore.Tests.Infrastructure;

/// <summary>A port on 127.0.0.1 that nothing listens on: connections to it are refused at once.</summary>
internal static class ClosedPort
{
    public static string Address()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/";
    }
}
