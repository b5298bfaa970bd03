using System.Net;

namespace Balancer.Client.Dns;

/// <summary>
/// Settings of a DNS endpoint source added with <c>AddDnsSrvEndpoints</c> (SRV records) or <c>AddDnsEndpoints</c> (a host
/// name's A/AAAA records). Read once, when the client starts its sources; validated at startup.
/// </summary>
public sealed class DnsEndpointOptions
{
    /// <summary>Gets or sets the scheme of the endpoint addresses: <c>http</c> or <c>https</c>.</summary>
    /// <value>The default value is <c>http</c>.</value>
    public string Scheme { get; set; } = DnsEndpointConstants.DefaultScheme;

    /// <summary>
    /// Gets or sets the shortest time between two lookups. A record's TTL below it (dnsmasq's and many resolvers' TTL 0)
    /// refreshes at this interval; a failed or empty lookup is repeated after it, doubling while it keeps failing.
    /// </summary>
    /// <value>The default value is 1 second; allowed from 100 milliseconds to 1 hour.</value>
    public TimeSpan MinRefresh { get; set; } = DnsEndpointConstants.DefaultMinRefresh;

    /// <summary>
    /// Gets or sets the longest time between two lookups: records with a longer TTL are looked up again after it, and
    /// the delay after repeated failures grows up to it.
    /// </summary>
    /// <value>The default value is 60 seconds; allowed from <see cref="MinRefresh"/> to 1 day.</value>
    public TimeSpan MaxRefresh { get; set; } = DnsEndpointConstants.DefaultMaxRefresh;

    /// <summary>
    /// Gets the name servers to ask, each with its address and port (such as <c>10.96.0.10:53</c>); another is tried when one
    /// fails. When empty, the system's name servers are used (on Linux, those of <c>/etc/resolv.conf</c>).
    /// </summary>
    /// <value>The default value is an empty list (the system's name servers).</value>
    public IList<IPEndPoint> NameServers { get; } = [];

    /// <summary>Gets or sets how long to wait for one answer from one name server.</summary>
    /// <value>The default value is 2 seconds; allowed from 10 milliseconds to 1 minute.</value>
    public TimeSpan QueryTimeout { get; set; } = DnsEndpointConstants.DefaultQueryTimeout;

    /// <summary>
    /// Gets or sets how many times a query that timed out or met a network error is sent again to the same name server
    /// before the next one is tried. Error answers (NXDOMAIN, SERVFAIL) are not retried on the same server.
    /// </summary>
    /// <value>The default value is 2 (three tries per name server); allowed from 0 to 10.</value>
    public int Retries { get; set; } = DnsEndpointConstants.DefaultRetries;

    /// <summary>
    /// Gets or sets a value indicating whether a name's IPv6 addresses (AAAA) are used rather than its IPv4 addresses (A)
    /// when it has both. A name is looked up in the preferred family first and in the other one when it has none there.
    /// </summary>
    /// <value>The default value is <see langword="false"/> (IPv4 first).</value>
    public bool PreferIPv6 { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether SRV endpoints are addressed by their target host name (such as
    /// <c>https://catalog-0.catalog.shop.svc.cluster.local:8443</c>) instead of the target's addresses: the HTTP stack
    /// then resolves the name itself and TLS checks the certificate against it. Only for SRV sources.
    /// </summary>
    /// <value>The default value is <see langword="false"/> (the targets are resolved and their addresses used).</value>
    public bool UseTargetHostNames { get; set; }
}
