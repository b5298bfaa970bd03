using Balancer.Client.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>A handler set with <c>ConfigureHealthCheckHandler</c> for the active health checks of one client.</summary>
internal sealed record HealthCheckHandlerRegistration(string ClientName, Func<IServiceProvider, HttpMessageHandler> Factory);

/// <summary>
/// Creates the transport of a client's active health checks: the handler set with <c>ConfigureHealthCheckHandler</c>,
/// or else the primary handler that <see cref="IHttpClientFactory"/> builds for the client (what
/// <c>ConfigurePrimaryHttpMessageHandler</c>, <c>UseSocketsHttpHandler</c> or <c>ConfigureHttpClientDefaults</c> set:
/// client certificates, certificate validation, credentials, proxy). The client's delegating handlers, the factory's
/// filters (among them the balancing handler) and its logging are left out, so a check is never balanced, retried or
/// recorded as traffic. Like the factory, a new handler is made after <see cref="HttpClientFactoryOptions.HandlerLifetime"/>.
/// </summary>
internal sealed class HealthCheckTransport(IServiceProvider services, string clientName) : IHealthCheckTransport
{
    /// <summary>How long one handler is used before a new one is made (DNS changes, rotated certificates).</summary>
    public TimeSpan Lifetime => services.GetService<IOptionsMonitor<HttpClientFactoryOptions>>()?.Get(clientName).HandlerLifetime ?? TimeSpan.FromMinutes(2);

    /// <summary>Makes a handler; the caller disposes it (which also disposes the services scope it was built in).</summary>
    public HttpMessageHandler Create()
    {
        var registration = services.GetServices<HealthCheckHandlerRegistration>().LastOrDefault(r => string.Equals(r.ClientName, clientName, StringComparison.Ordinal));
        if (registration is not null)
        {
            return registration.Factory(services) ?? throw new InvalidOperationException($"Balancer client '{clientName}': the health check handler factory returned null.");
        }

        var factoryOptions = services.GetService<IOptionsMonitor<HttpClientFactoryOptions>>()?.Get(clientName);
        var scope = factoryOptions is { SuppressHandlerScope: false } ? services.CreateScope() : null;
        try
        {
            var builder = (scope?.ServiceProvider ?? services).GetService<HttpMessageHandlerBuilder>();
            if (builder is null || factoryOptions is null)
            {
                scope?.Dispose();
                return new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
            }

            // The client's own builder actions, in order, as the factory runs them: the last one that sets the primary
            // handler wins. Delegating handlers they add stay out of the chain (builder.Build() is not called).
            builder.Name = clientName;
            foreach (var action in factoryOptions.HttpMessageHandlerBuilderActions)
            {
                action(builder);
            }

            var primary = builder.PrimaryHandler;
            return scope is null ? primary : new ScopeOwningHandler(primary, scope);
        }
        catch
        {
            scope?.Dispose();
            throw;
        }
    }

    /// <summary>Keeps the services scope the handler was built in alive as long as the handler, as the factory does.</summary>
    private sealed class ScopeOwningHandler(HttpMessageHandler inner, IServiceScope scope) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                scope.Dispose();
            }
        }
    }
}
