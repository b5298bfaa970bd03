namespace Balancer.Client.Dns;

/// <summary>Keys of the metadata a DNS endpoint source sets on the endpoints it publishes (<c>BalancerEndpoint.Metadata</c>).</summary>
public static class DnsEndpointMetadata
{
    /// <summary>The host name the endpoint was found under: the SRV target, or the host name of an A/AAAA source (without the final dot).</summary>
    public const string HostName = "dns.name";

    /// <summary>The SRV record's weight as published, from 0 to 65535 (the endpoint's weight is scaled from it).</summary>
    public const string SrvWeight = "dns.srv.weight";

    /// <summary>The SRV record's priority as published, from 0 to 65535 (also the endpoint's priority tier).</summary>
    public const string SrvPriority = "dns.srv.priority";
}
