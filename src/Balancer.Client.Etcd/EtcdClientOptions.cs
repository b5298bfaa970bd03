using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd;

/// <summary>
/// How to reach etcd: its client URLs, the time allowed for each call, and, for a cluster with authentication or TLS,
/// the user and the certificates.
/// </summary>
public class EtcdClientOptions
{
    /// <summary>
    /// Gets or sets the client URLs of the etcd cluster's members, such as <c>http://127.0.0.1:2379</c>. Calls go to the
    /// first that answers; after a failure the next one is tried. etcd 3.4 or later (its JSON gateway under <c>/v3/</c>).
    /// </summary>
    /// <value>The default value is an empty list, which fails validation.</value>
#pragma warning disable CA2227 // Settable so that collection expressions and configuration binding both work.
    public IList<Uri> Endpoints { get; set; } = [];
#pragma warning restore CA2227

    /// <summary>
    /// Gets or sets the time allowed for one call to one member (a read, a write, a lease call, or the start of a watch),
    /// from 100 milliseconds to 5 minutes. A watch, once started, has no time limit.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = EtcdConstants.DefaultRequestTimeout;

    /// <summary>
    /// Gets or sets the etcd user to authenticate as, for a cluster with authentication enabled (<c>etcdctl auth enable</c>).
    /// The client gets a token from <c>/v3/auth/authenticate</c> on each member it calls, sends it with every call, and
    /// authenticates again when etcd says the token expired. Requires <see cref="Password"/>. Use https endpoints, or the
    /// password travels in clear.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no authentication).</value>
    public string? Username { get; set; }

    /// <summary>Gets or sets the password of <see cref="Username"/>; it is never logged or shown in errors.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Password { get; set; }

    /// <summary>
    /// Gets or sets the path of a PEM file with the certificate authorities that sign the etcd members' certificates
    /// (etcd's <c>--trusted-ca-file</c>); the members' certificates are validated against them only, not the system's
    /// store. Requires https endpoints.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the system's trusted authorities).</value>
    public string? TrustedCaFile { get; set; }

    /// <summary>
    /// Gets or sets the path of a PEM file with the client certificate presented to etcd, for members started with
    /// <c>--client-cert-auth</c>. Its private key is read from <see cref="ClientKeyFile"/>, or from this file when that is
    /// not set. Requires https endpoints.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no client certificate).</value>
    public string? ClientCertificateFile { get; set; }

    /// <summary>Gets or sets the path of the PEM file with the private key of <see cref="ClientCertificateFile"/>.</summary>
    /// <value>The default value is <see langword="null"/> (the key is in <see cref="ClientCertificateFile"/>).</value>
    public string? ClientKeyFile { get; set; }
}
