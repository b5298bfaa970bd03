using Balancer.Client;
using Balancer.Client.ServiceDiscovery;
using Balancer.Client.ServiceDiscovery.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Takes a balanced client's endpoints from Microsoft.Extensions.ServiceDiscovery.</summary>
public static class BalancerServiceDiscoveryExtensions
{
    /// <summary>
    /// Adds the endpoints that Microsoft.Extensions.ServiceDiscovery resolves for <c>http://{client name}</c> to this
    /// balanced client, followed live. Use it instead of <c>AddServiceDiscovery()</c> on this client; a resolving handler
    /// that <c>AddServiceDiscovery()</c> adds anyway (also through <c>ConfigureHttpClientDefaults</c>) is removed from it.
    /// Register the resolver's providers with <c>services.AddServiceDiscovery()</c> (configuration and pass-through) or
    /// your own; startup validation fails when there is none.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddServiceDiscoveryEndpoints(this IHttpClientBuilder builder) =>
        builder.AddServiceDiscoveryEndpoints(static _ => { });

    /// <summary>
    /// Adds the endpoints that Microsoft.Extensions.ServiceDiscovery resolves for <paramref name="serviceName"/> to this
    /// balanced client, followed live (see <see cref="AddServiceDiscoveryEndpoints(IHttpClientBuilder)"/>).
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="serviceName">The service, such as <c>https+http://catalog</c> (see <see cref="ServiceDiscoveryEndpointOptions.ServiceName"/>).</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddServiceDiscoveryEndpoints(this IHttpClientBuilder builder, string serviceName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        return builder.AddServiceDiscoveryEndpoints(o => o.ServiceName = serviceName);
    }

    /// <summary>
    /// Adds the endpoints that Microsoft.Extensions.ServiceDiscovery resolves to this balanced client, followed live,
    /// with the service name and endpoint mapping set in <paramref name="configure"/> (see
    /// <see cref="AddServiceDiscoveryEndpoints(IHttpClientBuilder)"/>).
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="configure">Sets <see cref="ServiceDiscoveryEndpointOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IHttpClientBuilder AddServiceDiscoveryEndpoints(this IHttpClientBuilder builder, Action<ServiceDiscoveryEndpointOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        if (string.IsNullOrEmpty(builder.Name))
        {
            throw new ArgumentException("AddServiceDiscoveryEndpoints applies to one named balanced client, not to the defaults of every client.", nameof(builder));
        }

        var options = new ServiceDiscoveryEndpointOptions();
        configure(options);
        var clientName = builder.Name;
        var serviceName = options.ServiceName ?? $"http://{clientName}";
        if (string.IsNullOrWhiteSpace(serviceName) || !ServiceEndpointQuery.TryParse(serviceName, out var query))
        {
            throw new ArgumentException(
                $"Balancer client '{clientName}': ServiceName '{serviceName}' is not a service name Microsoft.Extensions.ServiceDiscovery can resolve; expected a URI such as 'http://catalog' or 'https+http://catalog'.",
                nameof(configure));
        }

        var services = builder.Services;
        services.AddServiceDiscoveryCore();
        services.AddSingleton(new ServiceDiscoveryClient(clientName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, ServiceDiscoveryHandlerFilter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BalancerOptions>, ServiceDiscoveryProvidersValidator>());

        var configureEndpoint = options.ConfigureEndpoint;
        return builder.AddEndpointSource(sp =>
        {
            var discovery = sp.GetRequiredService<IOptions<ServiceDiscoveryOptions>>().Value;
            var refreshPeriod = discovery.RefreshPeriod > TimeSpan.Zero ? discovery.RefreshPeriod : TimeSpan.FromSeconds(60);
            return new ServiceDiscoveryEndpointSource(
                sp.GetRequiredService<ServiceEndpointResolver>(),
                serviceName,
                ServiceEndpointMapper.DefaultScheme(query, discovery),
                refreshPeriod,
                configureEndpoint);
        });
    }
}
