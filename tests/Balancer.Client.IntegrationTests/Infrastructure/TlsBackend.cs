using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>
/// An HTTPS Kestrel backend on 127.0.0.1 (HTTP/1.1 and HTTP/2) that records the TLS server name (SNI) of every
/// handshake and, for every request, the Host header, the protocol and the client certificate.
/// </summary>
internal sealed class TlsBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TlsBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Gets the server names clients sent in their TLS handshakes (<see langword="null"/> for none).</summary>
    public ConcurrentQueue<string?> ServerNames { get; } = new();

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Creates a self-signed certificate for <paramref name="dnsName"/>, for server or client authentication.</summary>
    public static X509Certificate2 CreateCertificate(string dnsName, bool client = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Through PKCS#12, so that the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }

    public static async Task<TlsBackend> StartAsync(X509Certificate2 certificate, bool requireClientCertificate = false)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(TlsBackend).Assembly.GetName().Name });
        TlsBackend? backend = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificateSelector = (_, name) =>
                    {
                        backend!.ServerNames.Enqueue(name);
                        return certificate;
                    },
                    ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });

        backend = new TlsBackend(builder.Build());
        ((IApplicationBuilder)backend._app).Run(context =>
        {
            backend.Requests.Enqueue(new Received(context.Request.Host.Value ?? string.Empty, context.Request.Protocol, context.Connection.ClientCertificate?.Thumbprint));
            return context.Response.WriteAsync("tls");
        });
        await backend._app.StartAsync();
        backend.Port = new Uri(backend._app.Urls.First()).Port;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
    }

    public sealed record Received(string Host, string Protocol, string? ClientCertificateThumbprint);
}
