using Balancer.Client;
using Balancer.Client.DependencyInjection;
using Balancer.Client.Grpc;
using Balancer.Client.Grpc.Internal;
using Balancer.Client.Health;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Balances the calls of a gRPC client registered with <c>AddGrpcClient</c>.</summary>
public static class BalancerGrpcClientBuilderExtensions
{
    /// <summary>
    /// Balances the gRPC client of <paramref name="builder"/> over the endpoints configured in section
    /// <c>Balancer:Clients:{name}</c> (the client's name, reloaded live): its channel gets the address
    /// <c>balancer:///{name}</c> and the selector of the options as its load balancing policy.
    /// </summary>
    /// <param name="builder">The builder that <c>AddGrpcClient</c> returned; its name is the balanced client's name.</param>
    /// <returns>The same builder, for chaining (<c>AddEndpointSource</c>, <c>UseEndpointSelector</c>, ...).</returns>
    public static IHttpClientBuilder AddBalancer(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<BalancerOptions>(builder.Name).BindConfiguration($"{BalancerServiceCollectionExtensions.ConfigurationSectionPrefix}:{builder.Name}");
        return AddCore(builder);
    }

    /// <summary>Balances the gRPC client of <paramref name="builder"/> with options bound to <paramref name="configuration"/> (reloaded live).</summary>
    /// <param name="builder">The builder that <c>AddGrpcClient</c> returned; its name is the balanced client's name.</param>
    /// <param name="configuration">The section holding the client's <see cref="BalancerOptions"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHttpClientBuilder AddBalancer(this IHttpClientBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<BalancerOptions>(builder.Name).Bind(configuration);
        return AddCore(builder);
    }

    /// <summary>Balances the gRPC client of <paramref name="builder"/> with options set in code.</summary>
    /// <param name="builder">The builder that <c>AddGrpcClient</c> returned; its name is the balanced client's name.</param>
    /// <param name="configure">Sets the client's endpoints, selector, health and so on.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHttpClientBuilder AddBalancer(this IHttpClientBuilder builder, Action<BalancerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<BalancerOptions>(builder.Name).Configure(configure);
        return AddCore(builder);
    }

    private static IHttpClientBuilder AddCore(IHttpClientBuilder builder)
    {
        var name = builder.Name;
        ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(builder));
        var services = builder.Services;
        BalancerServiceCollectionExtensions.AddBalancedClient(services, name, http: false);
        AddGrpcBalancing(services);
        builder.AddHttpMessageHandler(() => new GrpcFeedbackHandler());
        services.AddSingleton(new HealthProbeRegistration(name, GrpcHealthProbe.CheckAsync));
        services.Configure<GrpcClientFactoryOptions>(name, options =>
        {
            options.Address ??= BalancerGrpcChannel.AddressOf(name);
        });
        builder.ConfigureChannel((provider, channel) =>
        {
            channel.Credentials ??= BalancerGrpcChannel.DefaultCredentials(provider, name);
        });
        return builder;
    }

    /// <summary>Registers the <c>balancer</c> resolver and the load balancing policies (once per container).</summary>
    internal static void AddGrpcBalancing(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(GrpcBalancingMarker)))
        {
            return;
        }

        services.AddSingleton<GrpcBalancingMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ResolverFactory, BalancerResolverFactory>());
        foreach (var policy in BalancerGrpcPolicyNames.BuiltIn)
        {
            services.AddSingleton<LoadBalancerFactory>(new BalancerLoadBalancerFactory(policy));
        }
    }

    private sealed class GrpcBalancingMarker;
}
