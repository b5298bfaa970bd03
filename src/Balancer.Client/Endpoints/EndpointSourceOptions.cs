namespace Balancer.Client.Endpoints;

/// <summary>How a balanced client treats the endpoints its <see cref="IEndpointSource"/>s publish.</summary>
public sealed class EndpointSourceOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether an empty publication empties the source's endpoints. When off, an empty
    /// set is treated as a failed refresh and the last good set stays, so a registry or DNS answer that comes back empty
    /// by mistake never leaves the client without endpoints.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AcceptEmpty { get; set; }

    /// <summary>
    /// Gets or sets how long a request waits for the first endpoints when the client has none yet and its sources have
    /// not published. After it, the request fails with a <see cref="NoAvailableEndpointException"/> that says so.
    /// </summary>
    /// <value>The default value is 5 seconds; allowed from zero to 5 minutes.</value>
    public TimeSpan InitialTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the schemes a discovered address may have: <c>http</c>, <c>https</c> or both. An address with
    /// another scheme is left out of the publication and logged with the source and the value. When empty, both are
    /// allowed, except that a client whose configured <see cref="BalancerOptions.Endpoints"/> are all https accepts only
    /// https from its sources: a discovered value never downgrades such a client to plain http.
    /// </summary>
    /// <value>The default value is an empty list (http and https; https only when every configured endpoint is https).</value>
#pragma warning disable CA2227 // Settable so that configuration binding and object initializers both work.
    public IList<string> AllowedSchemes { get; set; } = [];

    /// <summary>
    /// Gets or sets the hosts a discovered address may name, so that a registry or DNS record written by someone else
    /// cannot send the client's traffic (and its headers and credentials) anywhere. Each entry is a host name
    /// (<c>catalog.internal</c>, case-insensitive), a wildcard for its subdomains (<c>*.svc.cluster.local</c>, which
    /// does not match <c>svc.cluster.local</c> itself), an IP address (<c>10.0.0.5</c>, <c>::1</c>) or a CIDR range
    /// (<c>10.0.0.0/8</c>, <c>fd00::/8</c>). Ranges match addresses only: a host name is never resolved to be compared
    /// with a range. An address matching no entry is left out of the publication and logged. Applies to every endpoint
    /// source of the client (DNS, etcd, service discovery, custom sources) from their next publication; the endpoints of
    /// the options themselves are trusted.
    /// </summary>
    /// <value>The default value is an empty list (any host).</value>
    public IList<string> AllowedHosts { get; set; } = [];
#pragma warning restore CA2227
}
