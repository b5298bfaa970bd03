using Microsoft.Extensions.Logging;

namespace Balancer.Client.ServiceDiscovery.Internal;

/// <summary>Source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(60, LogLevel.Information, "Balancer client '{Client}': Microsoft.Extensions.ServiceDiscovery's resolving handler was removed from this client (added by AddServiceDiscovery on it or on every client); the balancer picks among the resolved endpoints itself.")]
    public static partial void ResolvingHandlerRemoved(ILogger logger, string client);
}
