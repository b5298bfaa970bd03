using DnsClient;

namespace Balancer.Client.Dns;

/// <summary>Creates the DnsClient lookup client of a source from its options.</summary>
internal static class DnsLookupClient
{
    public static LookupClient Create(DnsEndpointOptions options)
    {
        // No name server configured: DnsClient finds the system's (and looks again now and then), never a public one.
        var settings = options.NameServers.Count > 0
            ? new LookupClientOptions([.. options.NameServers.Select(e => new NameServer(e))])
            : new LookupClientOptions();
        settings.UseCache = false; // the source schedules its own lookups from the TTL
        settings.Timeout = options.QueryTimeout;
        settings.Retries = options.Retries;
        settings.ThrowDnsErrors = false;
        settings.ContinueOnDnsError = true;
        settings.ContinueOnEmptyResponse = true;
        settings.UseTcpFallback = true;
        return new LookupClient(settings);
    }
}
