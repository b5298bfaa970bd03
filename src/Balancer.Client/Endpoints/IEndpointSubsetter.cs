namespace Balancer.Client.Endpoints;

/// <summary>
/// Decides at run time which of a service's endpoints this client instance uses, and what share of its load each
/// gets: the hook for subsetting that follows something outside the options, such as the members of a fleet of
/// clients (<c>Balancer.Client.Etcd</c>'s fleet aperture). Register one with <c>UseEndpointSubsetter</c> on the
/// client's builder; it replaces <see cref="BalancerOptions.Subsetting"/>, which must then be off.
/// </summary>
/// <remarks>
/// <para>
/// The client calls <see cref="Assign"/> whenever its endpoints change (options, sources) and whenever the subsetter
/// raises <see cref="Changed"/>, never on the request path. An endpoint's share multiplies its weight: the client
/// scales the products so that the largest is <see cref="BalancerEndpoint.MaxWeight"/>, so a share of 0.5 next to full
/// shares ends up with half their weight. Selectors that split by weight (round robin, random, weighted round robin)
/// then send it half as much; load-aware selectors start from the weights and move load away from slow endpoints.
/// </para>
/// <para>
/// When every share is 0 (or not a finite number), or <see cref="Assign"/> throws, the client uses every endpoint, as
/// if there were no subsetter: a subsetter that does not know enough yet (no membership) must not leave the client
/// without endpoints.
/// </para>
/// </remarks>
public interface IEndpointSubsetter
{
    /// <summary>Raised, on any thread, when <see cref="Assign"/> would answer differently for the same endpoints.</summary>
    event EventHandler? Changed;

    /// <summary>
    /// Writes into <paramref name="shares"/> the share of this instance's load that each endpoint of
    /// <paramref name="endpoints"/> should get, relative to its weight: 0 leaves it out, 1 is a full share.
    /// </summary>
    /// <param name="endpoints">Every endpoint of the service (normalized absolute addresses), in no particular order.</param>
    /// <param name="shares">As many entries as <paramref name="endpoints"/>, all 0 on entry.</param>
    void Assign(IReadOnlyList<Uri> endpoints, Span<double> shares);

    /// <summary>
    /// Describes the current slice for the inspection API and the dashboard (<c>BalancerClientSnapshot.Subset</c>),
    /// such as the members it was computed from; <see langword="null"/> says nothing.
    /// </summary>
    /// <returns>A short text, or <see langword="null"/>.</returns>
    string? Describe() => null;

    /// <summary>
    /// Receives the endpoints the client uses after every change of its set (the subset, with their live statistics),
    /// so that the subsetter can read what the client measured or seed endpoints it has not tried
    /// (<see cref="Feedback.EndpointStats.Seed"/>). Called under the client's update lock: return quickly.
    /// </summary>
    /// <param name="endpoints">The endpoints of the client's new set.</param>
    void OnEndpointsChanged(IReadOnlyList<BalancerEndpoint> endpoints)
    {
    }

    /// <summary>
    /// Receives, once when the client starts, what the subsetter may read and do of the health of the client's
    /// endpoints: its verdicts, and ejections on outside evidence (a fleet's quorum).
    /// </summary>
    /// <param name="health">The client's health control.</param>
    void Attach(IEndpointHealthControl health)
    {
    }

    /// <summary>
    /// Receives, once when the client starts, what the subsetter may read and seed of the latency per request class
    /// that the client's selector learns (MlScored), such as for a fleet's warm start.
    /// </summary>
    /// <param name="classes">The client's request-class estimates; <see cref="IRequestClassEstimates.Classes"/> is 0 while its selector learns none.</param>
    void Attach(IRequestClassEstimates classes)
    {
    }
}
