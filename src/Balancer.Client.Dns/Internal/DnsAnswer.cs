namespace Balancer.Client.Dns;

/// <summary>The endpoints one lookup found.</summary>
/// <param name="Endpoints">The endpoints, in the order of the records (lower priorities first).</param>
/// <param name="TtlSeconds">The shortest TTL among the records used.</param>
/// <param name="Unresolved">SRV targets left out because they have no address.</param>
internal sealed record DnsAnswer(IReadOnlyList<BalancerEndpointOptions> Endpoints, int TtlSeconds, IReadOnlyList<string> Unresolved);

/// <summary>The addresses of one name in one family (the preferred one when it has any).</summary>
/// <param name="Addresses">The addresses, in the order of the answer.</param>
/// <param name="TtlSeconds">The shortest TTL of the records used.</param>
/// <param name="NameExists">Whether the name exists (false after NXDOMAIN for both families).</param>
internal sealed record AddressAnswer(IReadOnlyList<System.Net.IPAddress> Addresses, int TtlSeconds, bool NameExists);
