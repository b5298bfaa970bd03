namespace Balancer.Client.Inspection;

/// <summary>
/// Reads how the balanced clients of the container see their endpoints right now: traffic share, latency, requests in
/// flight, failures, health and the selector's scores. Registered as a singleton by <c>AddBalancedHttpClient</c>.
/// </summary>
/// <remarks>
/// A snapshot reads the live statistics without locks, so it costs a few reads per endpoint and may be called every
/// second; requests pay nothing for it. Inspection never starts a client: a client appears once it has been used
/// (once an <see cref="HttpClient"/> of its name has been created).
/// </remarks>
public interface IBalancerInspector
{
    /// <summary>Takes a snapshot of one balanced client.</summary>
    /// <param name="clientName">The client name given to <c>AddBalancedHttpClient</c> (case-sensitive).</param>
    /// <returns>The snapshot, or <see langword="null"/> when no balanced client of that name has started.</returns>
    BalancerClientSnapshot? GetSnapshot(string clientName);

    /// <summary>Takes a snapshot of every balanced client that has started, ordered by name.</summary>
    /// <returns>The snapshots; empty when no balanced client has started.</returns>
    IReadOnlyList<BalancerClientSnapshot> GetSnapshots();
}
