using Balancer.Client.Http;
using Microsoft.Extensions.Http;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// Adds the balancing handler to balanced clients as the innermost handler, after every handler the application
/// configured, whatever the order of calls: so resilience handlers (retry, hedging, timeouts) sit outside it and
/// each of their attempts picks an endpoint again.
/// </summary>
internal sealed class BalancingHandlerFilter(BalancerClientRegistry registry) : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        if (builder.Name is { } name && registry.IsBalanced(name))
        {
            builder.AdditionalHandlers.Add(new BalancingHandler(registry.Get(name)));
        }
    };
}
