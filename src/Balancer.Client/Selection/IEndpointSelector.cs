using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Chooses the endpoint for one attempt of a request. One instance serves one balanced client and is called from
/// many threads at once: implementations must be thread-safe, must not block, and should not allocate per call.
/// </summary>
/// <remarks>
/// Selectors only compare; the feedback tracker measures (see <see cref="BalancerEndpoint.Stats"/>). A selector
/// that also implements <see cref="Feedback.IFeedbackObserver"/> receives every completed attempt, and one that
/// implements <see cref="IDisposable"/> is disposed with its client.
/// </remarks>
public interface IEndpointSelector
{
    /// <summary>Chooses an endpoint among <see cref="SelectionContext.Endpoints"/>.</summary>
    /// <param name="context">The candidates, the pool of eligible endpoints they come from, the request and the endpoints already tried.</param>
    /// <returns>One of the candidates, or <see langword="null"/> when none can serve the request.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Select is the natural verb; the VB keyword clash does not affect implementers in C# or VB (it is not reserved as a member name).")]
    BalancerEndpoint? Select(in SelectionContext context);
}
