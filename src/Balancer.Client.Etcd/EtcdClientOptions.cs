using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd;

/// <summary>How to reach etcd: its client URLs and the time allowed for each call.</summary>
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
}
