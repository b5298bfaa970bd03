using System.Security.Cryptography.X509Certificates;

namespace Balancer.Client.Etcd.Internal;

/// <summary>The connection to etcd of <see cref="EtcdClientOptions"/>: its own handler, with the trusted CA and the client certificate.</summary>
internal static class EtcdTransport
{
    /// <summary>Whether the options name certificates, so the calls need a handler of their own rather than a shared one.</summary>
    public static bool HasCertificates(EtcdClientOptions options) =>
        !string.IsNullOrEmpty(options.TrustedCaFile) || !string.IsNullOrEmpty(options.ClientCertificateFile);

    /// <summary>A client for the calls to etcd: no overall timeout (a watch lasts), the options' certificates.</summary>
    public static HttpClient CreateClient(EtcdClientOptions options) =>
        new(CreateHandler(options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };

    public static SocketsHttpHandler CreateHandler(EtcdClientOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) };
        if (!string.IsNullOrEmpty(options.TrustedCaFile))
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(LoadAuthorities(options.TrustedCaFile));
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        if (!string.IsNullOrEmpty(options.ClientCertificateFile))
        {
            handler.SslOptions.ClientCertificates = [LoadClientCertificate(options.ClientCertificateFile, options.ClientKeyFile)];
        }

        return handler;
    }

    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        return authorities.Count > 0 ? authorities : throw new InvalidDataException($"'{path}' holds no PEM certificate.");
    }

    public static X509Certificate2 LoadClientCertificate(string certificatePath, string? keyPath)
    {
        using var ephemeral = X509Certificate2.CreateFromPemFile(certificatePath, string.IsNullOrEmpty(keyPath) ? null : keyPath);

        // A key loaded from PEM is ephemeral, which TLS on Windows cannot use: hand the handler a persisted copy.
        var pkcs12 = ephemeral.Export(X509ContentType.Pkcs12);
#if NET9_0_OR_GREATER
        return X509CertificateLoader.LoadPkcs12(pkcs12, password: null);
#else
        return new X509Certificate2(pkcs12);
#endif
    }
}
