using System.Globalization;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// The performance-based selector: two distinct weighted random samples, the lower cost wins, where
/// cost = peak-EWMA latency × (in flight + 1) ÷ weight, multiplied by a failure penalty that is 1 for an endpoint
/// that does not fail (see <see cref="FailurePenalty"/>). Latency comes from the feedback tracker
/// (<see cref="Feedback.EndpointStats.LatencyEstimate"/>): peak-sensitive, decaying with time, and a neutral prior
/// for endpoints without samples.
/// </summary>
internal sealed class PeakEwmaSelector(RandomSource random, TimeProvider timeProvider) : IEndpointSelector, IInspectableSelector
{
    private SnapshotCache<WeightTable> _table;

    public string ScoreDescription => "cost in ms: latency estimate × (in flight + 1) × failure penalty ÷ weight; of two sampled endpoints the lower cost wins";

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        if (context.Endpoints.Count == 0)
        {
            return null;
        }

        var table = _table.Get(context, static list => new WeightTable(list));
        var (first, second) = table.SampleTwo(random);
        var a = table.Items[first];
        if (first == second)
        {
            return a;
        }

        var b = table.Items[second];
        var now = context.GetTimestamp(timeProvider);
        return Cost(b, now) < Cost(a, now) ? b : a;
    }

    public EndpointScore? GetScore(BalancerEndpoint endpoint)
    {
        var now = timeProvider.GetTimestamp();
        var penalty = FailurePenalty.Of(endpoint.Stats, now);
        var note = penalty > 1 ? string.Create(CultureInfo.InvariantCulture, $"failure penalty ×{penalty:0.#}") : null;
        return new EndpointScore(Cost(endpoint, now) * 1000, note);
    }

    internal static double Cost(BalancerEndpoint endpoint, long timestamp)
    {
        var stats = endpoint.Stats;
        return stats.GetLatencyEstimate(timestamp) * (stats.InFlight + 1) * FailurePenalty.Of(stats, timestamp) / endpoint.Weight;
    }
}
