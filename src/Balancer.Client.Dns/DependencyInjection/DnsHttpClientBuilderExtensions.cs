using System.Globalization;
using Balancer.Client.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds DNS endpoint sources to balanced clients.</summary>
public static class DnsHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds the targets of the DNS SRV records of <paramref name="serviceName"/> as endpoints of this client, such as
    /// <c>_http._tcp.catalog.shop.svc.cluster.local</c> for the port named <c>http</c> of a Kubernetes headless service.
    /// Each record's target is resolved (from the additional section of the answer, or with A/AAAA queries) and each of
    /// its addresses becomes an endpoint on the record's port. SRV weights become endpoint weights (the largest of a
    /// priority scaled to 100, the others in proportion, at least 1) and SRV priorities become priority tiers. The
    /// records are looked up again when their TTL expires, within <see cref="DnsEndpointOptions.MinRefresh"/> and
    /// <see cref="DnsEndpointOptions.MaxRefresh"/>; while lookups fail, the last good endpoints stay.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="serviceName">The SRV name, such as <c>_http._tcp.catalog.shop.svc.cluster.local</c>.</param>
    /// <param name="configure">Changes the defaults of <see cref="DnsEndpointOptions"/> (name servers, refresh bounds, scheme…).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="serviceName"/> is not a valid DNS name.</exception>
    public static IHttpClientBuilder AddDnsSrvEndpoints(this IHttpClientBuilder builder, string serviceName, Action<DnsEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = DnsNames.Normalize(builder.Name, "DNS SRV name", serviceName, nameof(serviceName));
        return AddDnsSource(builder, DnsEndpointQuery.Srv(name), configure);
    }

    /// <summary>
    /// Adds the addresses of <paramref name="hostName"/> (its A records, or its AAAA records when it has none; see
    /// <see cref="DnsEndpointOptions.PreferIPv6"/>) as endpoints of this client on <paramref name="port"/>, each of weight
    /// 1, such as the pod addresses of a Kubernetes headless service. Looked up again when the TTL expires, within
    /// <see cref="DnsEndpointOptions.MinRefresh"/> and <see cref="DnsEndpointOptions.MaxRefresh"/>; while lookups fail,
    /// the last good endpoints stay.
    /// </summary>
    /// <param name="builder">The builder of a client added with <c>AddBalancedHttpClient</c>.</param>
    /// <param name="hostName">The host name, such as <c>catalog.shop.svc.cluster.local</c>.</param>
    /// <param name="port">The port of every endpoint, from 1 to 65535.</param>
    /// <param name="configure">Changes the defaults of <see cref="DnsEndpointOptions"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="hostName"/> is not a valid DNS name.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is out of range.</exception>
    public static IHttpClientBuilder AddDnsEndpoints(this IHttpClientBuilder builder, string hostName, int port, Action<DnsEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = DnsNames.Normalize(builder.Name, "DNS host name", hostName, nameof(hostName));
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, string.Create(CultureInfo.InvariantCulture, $"Balancer client '{builder.Name}': DNS port '{port}' for '{name}' is out of range; allowed from 1 to 65535."));
        }

        return AddDnsSource(builder, DnsEndpointQuery.Host(name, port), configure);
    }

    private static IHttpClientBuilder AddDnsSource(IHttpClientBuilder builder, DnsEndpointQuery query, Action<DnsEndpointOptions>? configure)
    {
        var optionsName = $"{builder.Name}/{query.Description}";
        var options = builder.Services.AddOptions<DnsEndpointOptions>(optionsName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DnsEndpointOptions>>(new DnsEndpointOptionsValidator(optionsName, builder.Name, query));
        return builder.AddEndpointSource(sp => new DnsEndpointSource(
            query,
            sp.GetRequiredService<IOptionsMonitor<DnsEndpointOptions>>().Get(optionsName),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(DnsLog.Category)));
    }
}
