using System.Net;
using System.Net.Sockets;
using Balancer.Client.Diagnostics;

namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// The messages and exceptions the simulated clients complete their leases with. Created once and shared: the
/// feedback tracker only reads them, so no request allocates.
/// </summary>
internal static class SimulatedResponses
{
    public static HttpRequestMessage Request { get; } = new(HttpMethod.Get, "http://simulation/");

    public static HttpResponseMessage Ok { get; } = new(HttpStatusCode.OK);

    public static HttpResponseMessage ServiceUnavailable { get; } = new(HttpStatusCode.ServiceUnavailable);

    public static HttpRequestException ConnectionRefused { get; } =
        new(HttpRequestError.ConnectionError, "Connection refused (simulated).", new SocketException((int)SocketError.ConnectionRefused));

    public static HttpRequestException ConnectionReset { get; } =
        new(HttpRequestError.ResponseEnded, "Connection reset by the backend (simulated).", new IOException("Connection reset.", new SocketException((int)SocketError.ConnectionReset)));

    public static TimeoutException Timeout { get; } = new("The request timed out (simulated).");

    /// <summary>One metrics instance for every simulated client: its instruments record only while someone listens.</summary>
    public static BalancerMetrics Metrics { get; } = new(meterFactory: null);
}
