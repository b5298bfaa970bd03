using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Implemented by a selector that can say how it currently rates each endpoint, so that inspection
/// (<see cref="Inspection.IBalancerInspector"/>) and the dashboard can show it. Optional: selectors without it are shown
/// without scores.
/// </summary>
/// <remarks>
/// Called off the hot path, about once a second per client while someone watches, from any thread and concurrently
/// with <see cref="IEndpointSelector.Select"/>: read the selector's state as a pick would, without locks that picks wait on.
/// </remarks>
public interface IInspectableSelector
{
    /// <summary>Gets what the scores mean, shown next to them, such as "cost in ms; lower wins".</summary>
    string ScoreDescription { get; }

    /// <summary>Rates one endpoint of the client's current endpoint set.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>The score with an optional note, or <see langword="null"/> when the selector has no opinion of the endpoint yet.</returns>
    EndpointScore? GetScore(BalancerEndpoint endpoint);
}

/// <summary>A selector's current rating of one endpoint.</summary>
/// <param name="Value">The score; its meaning (and whether lower or higher wins) is the selector's <see cref="IInspectableSelector.ScoreDescription"/>.</param>
/// <param name="Note">A short note, such as what drives the score, or <see langword="null"/>.</param>
public readonly record struct EndpointScore(double Value, string? Note = null);
