using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Internal;

/// <summary>Turns the resolver's <see cref="ServiceEndpoint"/>s into endpoints of a balanced client.</summary>
internal static class ServiceEndpointMapper
{
    /// <summary>
    /// The scheme of endpoints resolved without one (host and port): the first http or https scheme of the query that
    /// the resolver's options allow, as its own handler does; http when the query names none.
    /// </summary>
    public static string DefaultScheme(ServiceEndpointQuery query, ServiceDiscoveryOptions options)
    {
        foreach (var scheme in options.ApplyAllowedSchemes(query.IncludedSchemes))
        {
            if (string.Equals(scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
            {
                return Uri.UriSchemeHttps;
            }

            if (string.Equals(scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase))
            {
                return Uri.UriSchemeHttp;
            }
        }

        return Uri.UriSchemeHttp;
    }

    public static BalancerEndpointOptions Map(ServiceEndpoint endpoint, string defaultScheme)
    {
        var result = new BalancerEndpointOptions { Address = Address(endpoint.EndPoint, defaultScheme) };
        var features = endpoint.Features;
        if (features.Get<IHostNameFeature>()?.HostName is { Length: > 0 } hostName)
        {
            result.Metadata[ServiceDiscoveryMetadataKeys.HostName] = hostName;
        }

        if (features.Get<IServiceEndpointProvider>()?.ToString() is { Length: > 0 } provider)
        {
            result.Metadata[ServiceDiscoveryMetadataKeys.Provider] = provider;
        }

        return result;
    }

    /// <summary>
    /// The endpoint's address: a URI keeps its scheme, authority and path; a host or IP address and port take
    /// <paramref name="defaultScheme"/> (port 0 means the scheme's default). Anything else is passed on as text, so
    /// that validation leaves it out and logs it.
    /// </summary>
    public static string? Address(EndPoint endPoint, string defaultScheme) => endPoint switch
    {
        UriEndPoint { Uri: { IsAbsoluteUri: true } uri } => uri.GetLeftPart(UriPartial.Path),
        UriEndPoint { Uri: var uri } => uri.OriginalString,
        IPEndPoint { Address.AddressFamily: AddressFamily.InterNetworkV6 } ip => HostAndPort(defaultScheme, $"[{ip.Address}]", ip.Port),
        IPEndPoint ip => HostAndPort(defaultScheme, ip.Address.ToString(), ip.Port),
        DnsEndPoint dns => HostAndPort(defaultScheme, dns.Host, dns.Port),
        _ => endPoint.ToString(),
    };

    private static string HostAndPort(string scheme, string host, int port) =>
        port > 0 ? string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{port}") : $"{scheme}://{host}";
}
