using Balancer.Client.Http;
using Balancer.Client.Network;
using Microsoft.Extensions.Http;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// Adds the balancing handler to balanced clients as the innermost handler, after every handler the application
/// configured, whatever the order of calls: so resilience handlers (retry, hedging, timeouts) sit outside it and
/// each of their attempts picks an endpoint again. It also times the connections of the primary handler (when it is
/// a <see cref="SocketsHttpHandler"/>) as round-trip samples of their endpoints.
/// </summary>
internal sealed class BalancingHandlerFilter(BalancerClientRegistry registry) : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
    {
        next(builder);
        if (builder.Name is { } name && registry.IsBalancedHttp(name))
        {
            var state = registry.Get(name);
            // Any handler above may send a message again (retry, hedging, the application's own): only a chain without
            // one lets the balancing handler skip the record of a first attempt.
            builder.AdditionalHandlers.Add(new BalancingHandler(state, mayResend: builder.AdditionalHandlers.Count > 0));
            ConnectTimer.TryInstall(builder.PrimaryHandler, () => state.Endpoints, state.TimeProvider);
        }
    };
}
