namespace Balancer.Client.Dns;

/// <summary>What a DNS source looks up: the SRV records of a service name, or the addresses of a host name on a fixed port.</summary>
/// <param name="Name">The SRV name or host name, without the final dot.</param>
/// <param name="Port">The port of the endpoints of a host name; 0 for SRV (each record has its own).</param>
internal sealed record DnsEndpointQuery(string Name, int Port)
{
    public bool IsSrv => Port == 0;

    /// <summary>Names the source in logs and errors, such as <c>dns-srv:_http._tcp.catalog.test</c>.</summary>
    public string Description => IsSrv ? $"dns-srv:{Name}" : $"dns:{Name}:{Port}";

    public static DnsEndpointQuery Srv(string name) => new(name, 0);

    public static DnsEndpointQuery Host(string name, int port) => new(name, port);
}
