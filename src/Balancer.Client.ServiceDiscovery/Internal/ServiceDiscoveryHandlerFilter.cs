using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Internal;

/// <summary>
/// Removes Microsoft.Extensions.ServiceDiscovery's resolving handler from the clients that take their endpoints from
/// it through the balancer. That handler runs before the balancer's (which is always the innermost) and would replace
/// the logical host with one endpoint of its own round robin, so the balancer would never see the request to balance.
/// It is added by <c>AddServiceDiscovery()</c> on the client, or on every client with
/// <c>ConfigureHttpClientDefaults</c> (as Aspire's service defaults do).
/// </summary>
internal sealed class ServiceDiscoveryHandlerFilter(IEnumerable<ServiceDiscoveryClient> clients, ILoggerFactory loggerFactory) : IHttpMessageHandlerBuilderFilter
{
    private static readonly Assembly s_serviceDiscovery = typeof(ServiceEndpointResolver).Assembly;

    private readonly HashSet<string> _names = clients.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _reported = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger("Balancer.Client.ServiceDiscovery");

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        if (builder.Name is not { } name || !_names.Contains(name))
        {
            return;
        }

        var handlers = builder.AdditionalHandlers;
        var removed = false;
        for (var i = handlers.Count - 1; i >= 0; i--)
        {
            if (handlers[i].GetType().Assembly == s_serviceDiscovery)
            {
                handlers.RemoveAt(i);
                removed = true;
            }
        }

        // Handler chains are rebuilt every few minutes: say it once per client.
        if (removed && _reported.TryAdd(name, true))
        {
            Log.ResolvingHandlerRemoved(_logger, name);
        }
    };
}
