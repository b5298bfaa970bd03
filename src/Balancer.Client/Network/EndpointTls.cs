using System.Net.Security;
using Balancer.Client.Feedback;

namespace Balancer.Client.Network;

/// <summary>
/// Keeps TLS on the endpoint when a balanced attempt's <c>Host</c> header names another host (the logical host, with
/// <see cref="BalancerOptions.PreserveLogicalHost"/>). <see cref="SocketsHttpHandler"/> takes the TLS server name (SNI)
/// and the certificate's name check from the Host header when one is set; so the connect callback does the handshake
/// itself, to the endpoint's host, with the primary handler's <see cref="SocketsHttpHandler.SslOptions"/> (validation
/// callback, client certificates, protocols), and returns the authenticated <see cref="SslStream"/>, which the
/// handler then uses as it is. ALPN offers what the handler would offer for the request's version.
/// </summary>
internal static class EndpointTls
{
    private static readonly List<SslApplicationProtocol> s_http2OrHttp11 = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> s_http2Only = [SslApplicationProtocol.Http2];
    private static readonly bool s_http2Enabled = IsHttp2Enabled();

    /// <summary>
    /// Whether the connection is one a balanced attempt opens directly to its endpoint (not to a proxy) over HTTPS,
    /// while its Host header names another host.
    /// </summary>
    public static bool IsNeeded(SocketsHttpConnectionContext context)
    {
        var request = context.InitialRequestMessage;
        var uri = request.RequestUri;
        var hostHeader = request.Headers.Host;
        if (hostHeader is null || uri is null || !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var endPoint = context.DnsEndPoint;
        var host = Unbracket(uri.IdnHost);
        if (endPoint.Port != uri.Port || !string.Equals(Unbracket(endPoint.Host), host, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (string.Equals(HostOfHeader(hostHeader), host, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var tried = AttemptContext.GetTried(request);
        return tried.Length > 0 && tried[^1].Port == endPoint.Port && string.Equals(tried[^1].Address.DnsSafeHost, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Authenticates <paramref name="stream"/> as the client of the endpoint the request URI names; disposes it on failure.</summary>
    public static async ValueTask<Stream> AuthenticateAsync(Stream stream, SocketsHttpConnectionContext context, SslClientAuthenticationOptions? handlerOptions, CancellationToken cancellationToken)
    {
        var request = context.InitialRequestMessage;
        var options = CopyOf(handlerOptions);
        options.TargetHost = Unbracket(request.RequestUri!.IdnHost);
        options.ApplicationProtocols = ApplicationProtocols(request);
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The ALPN list <see cref="SocketsHttpHandler"/> offers for the request's version and policy.</summary>
    private static List<SslApplicationProtocol>? ApplicationProtocols(HttpRequestMessage request)
    {
        if (!s_http2Enabled)
        {
            return null;
        }

        if (request.Version.Major >= 2 && request.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower)
        {
            return s_http2Only;
        }

        return request.Version.Major >= 2 || request.VersionPolicy == HttpVersionPolicy.RequestVersionOrHigher ? s_http2OrHttp11 : null;
    }

    private static SslClientAuthenticationOptions CopyOf(SslClientAuthenticationOptions? source)
    {
        var copy = new SslClientAuthenticationOptions();
        if (source is null)
        {
            return copy;
        }

        copy.AllowRenegotiation = source.AllowRenegotiation;
        copy.AllowTlsResume = source.AllowTlsResume;
        copy.CertificateChainPolicy = source.CertificateChainPolicy;
        copy.CertificateRevocationCheckMode = source.CertificateRevocationCheckMode;
        copy.ClientCertificateContext = source.ClientCertificateContext;
        copy.ClientCertificates = source.ClientCertificates;
        copy.EnabledSslProtocols = source.EnabledSslProtocols;
        copy.EncryptionPolicy = source.EncryptionPolicy;
        copy.LocalCertificateSelectionCallback = source.LocalCertificateSelectionCallback;
        copy.RemoteCertificateValidationCallback = source.RemoteCertificateValidationCallback;
        if (!OperatingSystem.IsWindows())
        {
            copy.CipherSuitesPolicy = source.CipherSuitesPolicy;
        }
#if NET10_0_OR_GREATER
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
        {
            copy.AllowRsaPssPadding = source.AllowRsaPssPadding;
            copy.AllowRsaPkcs1Padding = source.AllowRsaPkcs1Padding;
        }
#endif
        return copy;
    }

    private static string HostOfHeader(string hostHeader)
    {
        if (hostHeader.StartsWith('['))
        {
            var close = hostHeader.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? hostHeader[1..close] : hostHeader;
        }

        var colon = hostHeader.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? hostHeader[..colon] : hostHeader;
    }

    private static string Unbracket(string host) => host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    private static bool IsHttp2Enabled()
    {
        // The switch and variable SocketsHttpHandler itself reads to turn HTTP/2 off.
        if (AppContext.TryGetSwitch("System.Net.Http.SocketsHttpHandler.Http2Support", out var enabled))
        {
            return enabled;
        }

        var variable = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_HTTP_SOCKETSHTTPHANDLER_HTTP2SUPPORT");
        return variable is null || !(variable == "0" || variable.Equals("false", StringComparison.OrdinalIgnoreCase));
    }
}
