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
}
