namespace Balancer.Client.ServiceDiscovery;

/// <summary>The <see cref="BalancerEndpointOptions.Metadata"/> keys set on endpoints that come from Microsoft.Extensions.ServiceDiscovery.</summary>
public static class ServiceDiscoveryMetadataKeys
{
    /// <summary>
    /// The host name a provider attached to the endpoint (its <c>IHostNameFeature</c>; the configuration provider sets
    /// it when <c>ShouldApplyHostNameMetadata</c> says so). Informational: the balancer sends the <c>Host</c> header of
    /// the endpoint's address, or the logical host with <c>PreserveLogicalHost</c>.
    /// </summary>
    public const string HostName = "HostName";

    /// <summary>The provider that resolved the endpoint, such as <c>Configuration</c>, when the provider says so.</summary>
    public const string Provider = "Provider";
}
