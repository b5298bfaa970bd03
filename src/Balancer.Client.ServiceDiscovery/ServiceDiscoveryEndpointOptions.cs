using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery;

/// <summary>How a balanced client takes its endpoints from Microsoft.Extensions.ServiceDiscovery's resolver.</summary>
public sealed class ServiceDiscoveryEndpointOptions
{
    /// <summary>
    /// Gets or sets the service to resolve, as Microsoft.Extensions.ServiceDiscovery reads it: <c>http://catalog</c>,
    /// <c>https+http://catalog</c> (the first scheme that has endpoints, https preferred), or
    /// <c>https://_grpc.catalog</c> (a named endpoint). The schemes also give the scheme of endpoints resolved without
    /// one (a host and port, or an IP address and port).
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which means <c>http://{client name}</c>.</value>
    public string? ServiceName { get; set; }

    /// <summary>
    /// Gets or sets a callback that adjusts each endpoint after it was mapped: weight, zone, priority or metadata from
    /// the features a provider sets on its <see cref="ServiceEndpoint"/>s. It runs on every resolution; when it throws,
    /// the resolution counts as failed and the last good endpoints stay.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: address and metadata only (see <see cref="ServiceDiscoveryMetadataKeys"/>).</value>
    public Action<ServiceEndpoint, BalancerEndpointOptions>? ConfigureEndpoint { get; set; }
}
