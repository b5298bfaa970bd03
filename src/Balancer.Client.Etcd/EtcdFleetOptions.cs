using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd;

/// <summary>
/// Options of a balanced client's fleet membership in etcd (<c>AddEtcdFleet</c>): every instance of the client
/// registers itself under <see cref="Prefix"/> with a lease (key <c>{Prefix}members/{MemberId}</c>), watches the
/// members, uses the slice of the service's endpoints that deterministic aperture gives its rank among them, and shares
/// its estimates (<c>{Prefix}estimates/{MemberId}</c>) for warm start (see <c>docs/fleet.md</c>).
/// </summary>
public sealed class EtcdFleetOptions : EtcdClientOptions
{
    /// <summary>
    /// Gets or sets the key prefix of the fleet's members, the same for every instance of the client, such as
    /// <c>/balancer/fleets/catalog/</c>; it must end with <c>/</c>. Each instance writes its member key under
    /// <c>members/</c> and its estimates under <c>estimates/</c>, both attached to its lease.
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    public string? Prefix { get; set; }

    /// <summary>
    /// Gets or sets this instance's member id, unique in the fleet; its rank among the sorted ids places it on the ring.
    /// Letters, digits, <c>-</c>, <c>_</c>, <c>.</c> and <c>:</c>, at most 200 characters.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the machine name, the process id and a random suffix.</value>
    public string? MemberId { get; set; }

    /// <summary>
    /// Gets or sets the number of endpoints each instance should use, k, from 1 to 10,000. Instances use about k
    /// endpoints (more when there are fewer instances than endpoints ÷ k, so that every endpoint has clients), and every
    /// endpoint receives the same share of the fleet's load.
    /// </summary>
    /// <value>The default value is 8.</value>
    public int ApertureSize { get; set; } = EtcdConstants.DefaultApertureSize;

    /// <summary>
    /// Gets or sets the time to live of the member's lease, from 2 seconds to 1 hour: an instance that dies leaves the
    /// fleet that long after its last renewal (one that stops cleanly leaves at once).
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan MemberTtl { get; set; } = EtcdConstants.DefaultMemberTtl;

    /// <summary>
    /// Gets or sets a value indicating whether the members share their estimates: each writes what it measured of its
    /// endpoints (latency, failure rate) every <see cref="EstimateInterval"/>, and an endpoint this instance has not
    /// measured yet starts from the fleet's median latency instead of the neutral prior (warm start).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool WarmStart { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the members share their verdicts: each lists in its document the
    /// endpoints it took out on its own evidence (written within a second of a change, at most one write per second),
    /// and an endpoint is ejected for this instance too when at least <see cref="EjectionQuorum"/> other members have
    /// it out and they outnumber the members that sent it requests lately without taking it out — within this
    /// instance's <c>MaxEjectionPercent</c> and panic rules, and never again while this instance's own requests to it
    /// succeed.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool SharedEjection { get; set; } = true;

    /// <summary>Gets or sets the fewest other members that must have an endpoint out for a shared ejection, from 1 to 1,000.</summary>
    /// <value>The default value is 3.</value>
    public int EjectionQuorum { get; set; } = EtcdConstants.DefaultEjectionQuorum;

    /// <summary>
    /// Gets or sets how often a member writes its estimates (one etcd write per interval, under its lease), from
    /// 1 second to 5 minutes; estimates older than three intervals (at least 30 seconds) are not used.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan EstimateInterval { get; set; } = EtcdConstants.DefaultEstimateInterval;

    /// <summary>
    /// Gets or sets the delay after a failure (etcd unreachable, a broken watch) before trying again, from 10
    /// milliseconds to 1 minute; it doubles after each further failure, up to <see cref="MaxRetryDelay"/>, with ±20% jitter.
    /// </summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan RetryDelay { get; set; } = EtcdConstants.DefaultRetryDelay;

    /// <summary>Gets or sets the longest delay between two attempts, from <see cref="RetryDelay"/> to 10 minutes.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = EtcdConstants.DefaultMaxRetryDelay;
}
