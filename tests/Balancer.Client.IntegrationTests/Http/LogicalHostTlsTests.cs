using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Balancer.Client.IntegrationTests.Http;

/// <summary>
/// HTTPS endpoints: TLS (SNI and the certificate's name check) follows the endpoint, whatever the Host header says; the
/// logical host only goes in the Host header. The backend's certificate is self-signed for <c>localhost</c>; the client
/// trusts exactly that certificate, and only for the name it was checked against.
/// </summary>
public sealed class LogicalHostTlsTests
{
    private const string Name = "orders-api";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_HttpsEndpoint_SniAndNameCheckFollowEndpointHostHeaderFollowsOption(bool preserveLogicalHost)
    {
        using var certificate = TlsBackend.CreateCertificate("localhost");
        await using var backend = await TlsBackend.StartAsync(certificate);
        var trust = new Trust(certificate);
        await using var provider = Build(backend, preserveLogicalHost, trust);
        var client = provider.CreateClient(Name);

        for (var i = 0; i < 3; i++)
        {
            (await client.GetStringAsync($"/tls?i={i}")).Should().Be("tls");
        }

        backend.ServerNames.Should().NotBeEmpty().And.OnlyContain(n => n == "localhost");
        backend.Requests.Should().HaveCount(3).And.OnlyContain(r => r.Host == (preserveLogicalHost ? Name : $"localhost:{backend.Port}"));
        trust.Validations.Should().BeGreaterThan(0, "the application's validation callback decided");
        trust.Rejections.Should().Be(0);
    }

    [Fact]
    public async Task Get_PreserveLogicalHostOverHttp2WithClientCertificate_NegotiatesHttp2AndPresentsCertificate()
    {
        using var certificate = TlsBackend.CreateCertificate("localhost");
        using var clientCertificate = TlsBackend.CreateCertificate("balancer-client", client: true);
        await using var backend = await TlsBackend.StartAsync(certificate, requireClientCertificate: true);
        var trust = new Trust(certificate);
        await using var provider = Build(backend, preserveLogicalHost: true, trust, clientCertificate);
        var client = provider.CreateClient(Name);

        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/h2") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            response.Version.Should().Be(HttpVersion.Version20);
            request.Headers.Host.Should().BeNull("the logical Host header is removed after the attempt");
        }

        backend.ServerNames.Should().NotBeEmpty().And.OnlyContain(n => n == "localhost");
        backend.Requests.Should().HaveCount(3).And.OnlyContain(r => r.Host == Name && r.Protocol == "HTTP/2" && r.ClientCertificateThumbprint == clientCertificate.Thumbprint);
        trust.Rejections.Should().Be(0);
    }

    [Fact]
    public async Task Get_PreserveLogicalHostWithOwnConnectCallback_CallbackOpensConnectionTlsFollowsEndpoint()
    {
        using var certificate = TlsBackend.CreateCertificate("localhost");
        await using var backend = await TlsBackend.StartAsync(certificate);
        var trust = new Trust(certificate);
        var connects = 0;
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.PreserveLogicalHost = true;
                o.AddEndpoint($"https://localhost:{backend.Port}/");
            },
            client: b => b.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = trust.Validate },
                ConnectCallback = async (context, cancellationToken) =>
                {
                    Interlocked.Increment(ref connects);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            }));

        (await provider.CreateClient(Name).GetStringAsync("/own-callback")).Should().Be("tls");

        Volatile.Read(ref connects).Should().BeGreaterThan(0, "the application's connect callback still opens the connection");
        backend.ServerNames.Should().NotBeEmpty().And.OnlyContain(n => n == "localhost");
        backend.Requests.Should().ContainSingle().Which.Host.Should().Be(Name);
        trust.Rejections.Should().Be(0);
    }

    [Fact]
    public async Task Get_PreserveLogicalHostCertificateOnlyForLogicalName_Rejected()
    {
        // A server whose certificate names the logical host, not the endpoint: TLS checks the endpoint's name, so the
        // certificate does not match and the connection is refused before any request is sent.
        using var certificate = TlsBackend.CreateCertificate(Name);
        await using var backend = await TlsBackend.StartAsync(certificate);
        var trust = new Trust(certificate);
        await using var provider = Build(backend, preserveLogicalHost: true, trust);
        var client = provider.CreateClient(Name);

        var send = () => client.GetStringAsync("/tls");

        (await send.Should().ThrowAsync<HttpRequestException>()).Which.HttpRequestError.Should().Be(HttpRequestError.SecureConnectionError);
        backend.ServerNames.Should().NotBeEmpty().And.OnlyContain(n => n == "localhost");
        backend.Requests.Should().BeEmpty();
        trust.Rejections.Should().BeGreaterThan(0);
    }

    private static ServiceProvider Build(TlsBackend backend, bool preserveLogicalHost, Trust trust, X509Certificate2? clientCertificate = null) =>
        TestServices.Build(
            Name,
            o =>
            {
                o.PreserveLogicalHost = preserveLogicalHost;
                o.AddEndpoint($"https://localhost:{backend.Port}/");
            },
            client: b => b.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = trust.Validate,
                    ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                },
            }));

    /// <summary>Trusts one self-signed certificate, and only when its name matched the name TLS checked it against.</summary>
    private sealed class Trust(X509Certificate2 trusted)
    {
        private int _validations;
        private int _rejections;

        public int Validations => Volatile.Read(ref _validations);

        public int Rejections => Volatile.Read(ref _rejections);

        public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            Interlocked.Increment(ref _validations);
            var accepted = certificate is not null
                && string.Equals(certificate.GetCertHashString(), trusted.Thumbprint, StringComparison.OrdinalIgnoreCase)
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
            if (!accepted)
            {
                Interlocked.Increment(ref _rejections);
            }

            return accepted;
        }
    }
}
