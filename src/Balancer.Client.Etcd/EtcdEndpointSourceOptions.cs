using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd;

/// <summary>
/// Options of the etcd endpoint source of one balanced client (<c>AddEtcdEndpoints</c>): where etcd is, which key
/// prefix holds the instances, and how fast to retry after a failure.
/// </summary>
public sealed class EtcdEndpointSourceOptions : EtcdClientOptions
{
    /// <summary>
    /// The name of the <see cref="HttpClient"/> (from <c>IHttpClientFactory</c>) that talks to etcd. Configure it with
    /// <c>services.AddHttpClient(EtcdEndpointSourceOptions.HttpClientName)</c> for a proxy or handlers of your own. A
    /// source with <see cref="EtcdClientOptions.TrustedCaFile"/> or <see cref="EtcdClientOptions.ClientCertificateFile"/>
    /// uses a connection of its own instead, with those certificates.
    /// </summary>
    public const string HttpClientName = "Balancer.Client.Etcd";

    /// <summary>
    /// Gets or sets the key prefix the instances are registered under, such as <c>/services/catalog/</c>; it must end
    /// with <c>/</c>, so that it does not also match <c>/services/catalog-v2/</c>. Every key under it is one instance.
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    public string? Prefix { get; set; }

    /// <summary>
    /// Gets or sets the delay after a failure (etcd unreachable, a broken watch) before the source tries again, from
    /// 10 milliseconds to 1 minute; it doubles after each further failure, up to <see cref="MaxRetryDelay"/>, with
    /// ±20% jitter, and starts over once a watch is established.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan RetryDelay { get; set; } = EtcdConstants.DefaultRetryDelay;

    /// <summary>Gets or sets the longest delay between two attempts, from <see cref="RetryDelay"/> to 10 minutes.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = EtcdConstants.DefaultMaxRetryDelay;

    /// <summary>
    /// Gets or sets the scheme of the instances, <c>http</c> or <c>https</c>: a value without one (<c>10.0.0.5:8080</c>)
    /// takes it, and with <c>https</c> a value that says <c>http://</c> is refused and logged with its key, so a value
    /// written by someone else never downgrades the client to plain http.
    /// </summary>
    /// <value>The default value is <c>http</c> (values may be http or https).</value>
    public string Scheme { get; set; } = EtcdConstants.DefaultScheme;
}
