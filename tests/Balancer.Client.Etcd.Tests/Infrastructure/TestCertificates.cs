using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Balancer.Client.Etcd.Tests.Infrastructure;

/// <summary>
/// A certificate authority of its own, with a server certificate for 127.0.0.1 and a client certificate, written as PEM
/// files to a temporary folder (removed on dispose), the way an operator would hand them to etcd and to its clients.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ServerCertificateFile => Path.Combine(Directory, "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server-key.pem");

    public string ClientCertificateFile => Path.Combine(Directory, "client.pem");

    public string ClientKeyFile => Path.Combine(Directory, "client-key.pem");

    /// <summary>Another authority's client certificate: etcd must refuse it.</summary>
    public string StrangerCertificateFile => Path.Combine(Directory, "stranger.pem");

    public string StrangerKeyFile => Path.Combine(Directory, "stranger-key.pem");

    public static TestCertificates Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), "balancer-etcd-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var certificates = new TestCertificates(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateAuthority("CN=Balancer test CA", caKey);
        File.WriteAllText(certificates.CaFile, ca.ExportCertificatePem());

        // etcd's JSON gateway calls the member's own gRPC server with the server certificate: it must allow client use too.
        Issue(ca, caKey, "CN=etcd", server: true, certificates.ServerCertificateFile, certificates.ServerKeyFile);
        // No common name: with authentication on, etcd's JSON gateway refuses client certificates that carry one (it could
        // not use it as the user), so the user comes from Username and Password.
        Issue(ca, caKey, "O=Balancer test client", server: false, certificates.ClientCertificateFile, certificates.ClientKeyFile);

        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = CreateAuthority("CN=Someone else's CA", strangerKey);
        Issue(stranger, strangerKey, "O=Balancer test client", server: false, certificates.StrangerCertificateFile, certificates.StrangerKeyFile);
        return certificates;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static X509Certificate2 CreateAuthority(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
    }

    private static void Issue(X509Certificate2 issuer, ECDsa issuerKey, string subject, bool server, string certificateFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }; // client authentication
        if (server)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1")); // server authentication
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        _ = issuerKey; // the issuer certificate carries its key
        // Inside the issuer's own window, never past it: a leaf valid after its authority is refused at creation.
        var notBefore = new DateTimeOffset(issuer.NotBefore.ToUniversalTime()).AddMinutes(1);
        var notAfter = new DateTimeOffset(issuer.NotAfter.ToUniversalTime()).AddMinutes(-1);
        using var certificate = request.Create(issuer, notBefore, notAfter, serial);
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
