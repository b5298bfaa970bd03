using Balancer.Client.Endpoints;

namespace Balancer.Client.Http;

/// <summary>Maps a request's logical URI (<c>http://{client}/path?query</c>) onto an endpoint's address.</summary>
internal static class UriRewriter
{
    /// <summary>Whether the request targets the client's logical host (case-insensitive), and so is to be balanced.</summary>
    public static bool IsLogical(Uri? uri, string logicalHost) =>
        uri is { IsAbsoluteUri: true } && string.Equals(uri.IdnHost, logicalHost, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The endpoint's scheme, host and port with the endpoint's base path followed by the request's path and query
    /// (the endpoint reuses the URI it built last when the path and query are the same).
    /// </summary>
    public static Uri Rewrite(Uri logical, BalancerEndpoint endpoint) => endpoint.RequestUri(logical.PathAndQuery);
}
