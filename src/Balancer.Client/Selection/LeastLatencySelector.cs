using System.Globalization;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// The least-expected-latency selector: the endpoint with the least expected latency for this request,
/// cost = mean latency × max(1, (in flight + 1) ÷ (typical in flight + 1)) × failure penalty ÷ weight, where the typical in
/// flight is the endpoint's own concurrency as this client observes it (Little's law, see
/// <see cref="Feedback.EndpointStats.GetTypicalInFlight(long)"/>) and the failure penalty weighs the failure rate by how recent its evidence is
/// (<see cref="FailurePenalty.Recent"/>). All endpoints are compared when there are at most
/// <see cref="SelectionConstants.FullScanLimit"/>; in larger pools, <see cref="SelectionConstants.LargePoolCandidates"/>
/// weighted random candidates. In a fully scanned pool, <see cref="SelectionConstants.RefreshShare"/> of the picks go to
/// the endpoint whose record is the oldest, when it is older than <see cref="SelectionConstants.StaleRecordAge"/> × τ. docs/selectors.md explains the formula.
/// </summary>
internal sealed class LeastLatencySelector(RandomSource random, TimeProvider timeProvider) : IEndpointSelector, IInspectableSelector
{
    private SnapshotCache<WeightTable> _table;

    public string ScoreDescription => "expected latency in ms: mean latency × max(1, (in flight + 1) ÷ (typical in flight + 1)) × failure penalty ÷ weight; the lowest wins";

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        var count = endpoints.Count;
        if (count <= 1)
        {
            return count == 0 ? null : endpoints[0];
        }

        var now = timeProvider.GetTimestamp();
        BalancerEndpoint? best = null;
        var bestCost = double.MaxValue;
        if (count <= SelectionConstants.FullScanLimit)
        {
            var start = random.Next(count); // with the jitter, exact ties (a new pool) fall to a random endpoint
            var refresh = random.NextDouble() < SelectionConstants.RefreshShare;
            BalancerEndpoint? stalest = null;
            var stalestAge = SelectionConstants.StaleRecordAge;
            for (var i = 0; i < count; i++)
            {
                var endpoint = endpoints[(start + i) % count];
                var cost = Jitter(Cost(endpoint, now));
                if (cost < bestCost)
                {
                    (best, bestCost) = (endpoint, cost);
                }

                if (!refresh)
                {
                    continue;
                }

                var age = endpoint.Stats.GetRecordAge(now);
                if (age > stalestAge && !double.IsPositiveInfinity(age) && endpoint.Stats.InFlight == 0)
                {
                    (stalest, stalestAge) = (endpoint, age);
                }
            }

            return stalest ?? best; // one pick in 2,000 refreshes the stalest record (SelectionConstants.RefreshShare)
        }

        var table = _table.Get(context, static list => new WeightTable(list));
        Span<int> picked = stackalloc int[SelectionConstants.LargePoolCandidates];
        for (var i = 0; i < picked.Length; i++)
        {
            var index = table.Sample(random);
            picked[i] = index;
            if (picked[..i].Contains(index))
            {
                continue; // a repeat: the candidate was already compared
            }

            var cost = Jitter(Cost(table.Items[index], now));
            if (cost < bestCost)
            {
                (best, bestCost) = (table.Items[index], cost);
            }
        }

        return best;
    }

    /// <summary>
    /// Scales a cost by a random factor within ±<see cref="SelectionConstants.CostJitter"/> ÷ 2: endpoints whose costs
    /// differ by less than that share the traffic instead of the marginally cheaper one taking all of it (and the
    /// other's record going stale), while a clearly slower endpoint never wins by chance.
    /// </summary>
    private double Jitter(double cost) => cost * (1 + (SelectionConstants.CostJitter * (random.NextDouble() - 0.5)));

    public EndpointScore? GetScore(BalancerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var now = timeProvider.GetTimestamp();
        var stats = endpoint.Stats;
        var note = string.Create(CultureInfo.InvariantCulture, $"mean {stats.GetMeanLatency(now) * 1000:0.#} ms, typical in flight {stats.GetTypicalInFlight(now):0.#}");
        return new EndpointScore(Cost(endpoint, now) * 1000, note);
    }

    internal static double Cost(BalancerEndpoint endpoint, long timestamp)
    {
        var stats = endpoint.Stats;
        if (!stats.HasMeanLatency)
        {
            // Unknown (new, or back after refusing connections): the cheapest of all while none of this client's
            // requests is on it, so it is tried at once whatever the others' records; then priced as a queue, so it
            // gets one request at a time until it has a mean. Failures still price it out.
            var unknown = stats.InFlight == 0 ? SelectionConstants.UnknownEndpointCostShare : stats.InFlight + 1;
            return stats.PriorLatency * unknown * FailurePenalty.Recent(stats, timestamp) / endpoint.Weight;
        }

        var mean = stats.GetMeanLatency(timestamp, out var typicalInFlight);
        // Below its usual load an endpoint answers in its mean time, not faster: the factor never goes under 1, so an
        // endpoint that has all of a client's traffic does not look cheaper than an idle one of the same speed.
        var load = Math.Max(1, (stats.InFlight + 1) / (typicalInFlight + 1));
        return mean * load * FailurePenalty.Recent(stats, timestamp) / endpoint.Weight;
    }
}
