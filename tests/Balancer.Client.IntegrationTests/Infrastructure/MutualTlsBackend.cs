using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>
/// A Kestrel HTTPS backend on 127.0.0.1 that requires a client certificate: the one of <see cref="ClientCertificate"/>
/// (every other handshake is rejected). Counts the <c>/health</c> requests and the other requests it served.
/// </summary>
internal sealed class MutualTlsBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CountSignal _healthChecks = new();
    private long _requests;

    private MutualTlsBackend(WebApplication app, X509Certificate2 serverCertificate, X509Certificate2 clientCertificate, Uri address)
    {
        _app = app;
        ServerCertificate = serverCertificate;
        ClientCertificate = clientCertificate;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The self-signed certificate the backend presents (for the client's validation callback).</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The only client certificate the backend accepts.</summary>
    public X509Certificate2 ClientCertificate { get; }

    public long HealthChecksReceived => _healthChecks.Value;

    public long RequestsReceived => Interlocked.Read(ref _requests);

    public Task WaitForHealthChecksAsync(long count) => _healthChecks.WaitAsync(count);

    public static async Task<MutualTlsBackend> StartAsync(X509Certificate2 serverCertificate, X509Certificate2 clientCertificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var expected = clientCertificate.Thumbprint;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverCertificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (certificate, _, _) => string.Equals(certificate.Thumbprint, expected, StringComparison.OrdinalIgnoreCase),
        })));
        var app = builder.Build();
        MutualTlsBackend? backend = null;
        app.Run(context =>
        {
            if (context.Request.Path == "/health")
            {
                backend!._healthChecks.Increment();
            }
            else
            {
                Interlocked.Increment(ref backend!._requests);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            return context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        backend = new MutualTlsBackend(app, serverCertificate, clientCertificate, address);
        return backend;
    }

    /// <summary>A self-signed certificate with its private key, usable by SslStream on every platform.</summary>
    public static X509Certificate2 CreateCertificate(string subject, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], critical: false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>The primary handler an application would configure for this backend: its client certificate, its CA.</summary>
    public SocketsHttpHandler CreateClientHandler()
    {
        var trusted = ServerCertificate.Thumbprint;
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [ClientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && string.Equals(certificate.GetCertHashString(), trusted, StringComparison.OrdinalIgnoreCase),
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A counter whose waiters complete once it reaches their count.</summary>
    private sealed class CountSignal
    {
        private readonly object _lock = new();
        private readonly List<(long Count, TaskCompletionSource Signal)> _waiters = [];
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment()
        {
            lock (_lock)
            {
                _value++;
                _waiters.RemoveAll(w =>
                {
                    if (w.Count > _value)
                    {
                        return false;
                    }

                    w.Signal.TrySetResult();
                    return true;
                });
            }
        }

        public Task WaitAsync(long count)
        {
            lock (_lock)
            {
                if (_value >= count)
                {
                    return Task.CompletedTask;
                }

                var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, signal));
                return signal.Task;
            }
        }
    }
}
