using System.Net;
using System.Net.Sockets;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>A port on 127.0.0.1 that nothing listens on: connections to it are refused at once.</summary>
internal static class ClosedPort
{
    public static int Get()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string Address() => $"http://127.0.0.1:{Get()}/";
}
