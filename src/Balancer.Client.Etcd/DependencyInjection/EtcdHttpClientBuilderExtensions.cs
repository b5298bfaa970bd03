using Balancer.Client.Etcd;
using Balancer.Client.Etcd.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds endpoints from etcd to a balanced client's <see cref="IHttpClientBuilder"/>.</summary>
public static class EtcdHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds the instances registered in etcd under <see cref="EtcdEndpointSourceOptions.Prefix"/> to this client's
    /// endpoints: the prefix is read, then followed with a watch, so registrations and deregistrations (and expired
    /// leases of crashed instances) reach the client within milliseconds. While etcd is unreachable the client keeps
    /// its last good set and the source retries with backoff. Options are validated at startup. For a cluster with
    /// authentication or TLS, set <see cref="EtcdClientOptions.Username"/>, <see cref="EtcdClientOptions.Password"/>,
    /// <see cref="EtcdClientOptions.TrustedCaFile"/> and <see cref="EtcdClientOptions.ClientCertificateFile"/>; values
    /// are checked against <c>EndpointSources.AllowedHosts</c> and <c>AllowedSchemes</c> of the client and against
    /// <see cref="EtcdEndpointSourceOptions.Scheme"/>, and a refused value is logged with its key.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="configure">Sets the etcd endpoints and the key prefix.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddBalancedHttpClient("catalog", _ => { })
    ///     .AddEtcdEndpoints(o =>
    ///     {
    ///         o.Endpoints = [new Uri("http://127.0.0.1:2379")];
    ///         o.Prefix = "/services/catalog/";
    ///     });
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddEtcdEndpoints(this IHttpClientBuilder builder, Action<EtcdEndpointSourceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var name = builder.Name;
        var services = builder.Services;
        services.AddOptions<EtcdEndpointSourceOptions>(name).Configure(configure).ValidateOnStart();
        services.AddSingleton(new EtcdSourceRegistration(name));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdEndpointSourceOptions>, EtcdOptionsValidator>());

        // A watch is a request that lasts as long as the client: only the per-call timeouts of the source apply.
        services.AddHttpClient(EtcdEndpointSourceOptions.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);

        return builder.AddEndpointSource(sp => new EtcdEndpointSource(
            name,
            sp.GetRequiredService<IOptionsMonitor<EtcdEndpointSourceOptions>>().Get(name),
            () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(EtcdEndpointSourceOptions.HttpClientName),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Balancer.Client.Etcd") ?? NullLogger.Instance));
    }

    /// <summary>
    /// Makes this client instance a member of a fleet coordinated through etcd: it registers itself under
    /// <see cref="EtcdFleetOptions.Prefix"/> with a lease, watches the prefix, and uses the slice of the service's
    /// endpoints that deterministic aperture gives its rank among the members, with the shares that make every endpoint
    /// receive the same part of the fleet's load (see <c>docs/fleet.md</c>). Replaces <c>Subsetting</c>, which must be
    /// off. etcd is never on the request path: while it is unreachable the client keeps the last members it saw (every
    /// endpoint when it saw none) and says so in its log. Options are validated at startup.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="configure">Sets the etcd endpoints, the fleet's prefix and the aperture size.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddBalancedHttpClient("catalog", _ => { })
    ///     .AddEtcdEndpoints(o => { o.Endpoints = [new Uri("http://127.0.0.1:2379")]; o.Prefix = "/services/catalog/"; })
    ///     .AddEtcdFleet(o => { o.Endpoints = [new Uri("http://127.0.0.1:2379")]; o.Prefix = "/balancer/fleets/catalog/"; o.ApertureSize = 8; });
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddEtcdFleet(this IHttpClientBuilder builder, Action<EtcdFleetOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var name = builder.Name;
        var services = builder.Services;
        services.AddOptions<EtcdFleetOptions>(name).Configure(configure).ValidateOnStart();
        services.AddSingleton(new EtcdFleetRegistration(name));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EtcdFleetOptions>, EtcdFleetOptionsValidator>());
        services.AddHttpClient(EtcdEndpointSourceOptions.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddKeyedSingleton(name, (sp, _) => new EtcdFleet(
            name,
            sp.GetRequiredService<IOptionsMonitor<EtcdFleetOptions>>().Get(name),
            () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(EtcdEndpointSourceOptions.HttpClientName),
            sp.GetService<ILoggerFactory>()?.CreateLogger("Balancer.Client.Etcd") ?? NullLogger.Instance,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<FleetMetrics>()));
        services.TryAddSingleton(sp => new FleetMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return builder.UseEndpointSubsetter(sp => sp.GetRequiredKeyedService<EtcdFleet>(name));
    }
}
