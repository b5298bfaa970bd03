using System.Globalization;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Selection;

/// <summary>
/// The least-expected-latency selector: the endpoint with the least expected latency for this request,
/// cost = mean latency × load × failure penalty ÷ weight, load = max(1, (in flight + 1) ÷ (typical in flight + 1)) +
/// <see cref="SelectionConstants.InFlightTieBreak"/> × min(in flight, typical in flight) ÷ (typical in flight + 1), where the typical in
/// flight is the endpoint's own concurrency as this client observes it (Little's law, see
/// <see cref="Feedback.EndpointStats.GetTypicalInFlight(long)"/>) and the failure penalty weighs the failure rate by how recent its evidence is
/// (<see cref="FailurePenalty.Recent"/>). All endpoints are compared when there are at most
/// <see cref="SelectionConstants.FullScanLimit"/>; in larger pools, two weighted random candidates and the previous
/// pick's winner. In a fully scanned pool, <see cref="SelectionConstants.RefreshShare"/> of the picks go to
/// the endpoint whose record is the oldest, when it is older than <see cref="SelectionConstants.StaleRecordAge"/> × τ. docs/selectors.md explains the formula.
/// </summary>
internal sealed class LeastLatencySelector(RandomSource random, TimeProvider timeProvider) : IEndpointSelector, IInspectableSelector
{
    private const int JitterBits = 21;
    private const ulong JitterMask = (1UL << JitterBits) - 1;

    private SnapshotCache<WeightTable> _table;
    private int _remembered = -1;

    public string ScoreDescription => string.Create(CultureInfo.InvariantCulture, $"expected latency in ms: mean latency × load × failure penalty ÷ weight, load = max(1, (in flight + 1) ÷ (typical in flight + 1)) + {SelectionConstants.InFlightTieBreak} × min(in flight, typical) ÷ (typical + 1); the lowest wins");

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        var count = endpoints.Count;
        if (count <= 1)
        {
            return count == 0 ? null : endpoints[0];
        }

        var now = context.GetTimestamp(timeProvider);
        var draws = new PickRandom(random);
        return count <= SelectionConstants.FullScanLimit ? Scan(endpoints, count, now, ref draws) : Sample(context, now, ref draws);
    }

    private static BalancerEndpoint? Scan(IReadOnlyList<BalancerEndpoint> endpoints, int count, long now, ref PickRandom draws)
    {
        BalancerEndpoint? best = null;
        var bestCost = double.MaxValue;
        var start = draws.Next(count); // with the jitter, exact ties (a new pool) fall to a random endpoint
        var refresh = draws.NextDouble() < SelectionConstants.RefreshShare;
        BalancerEndpoint? stalest = null;
        var stalestAge = SelectionConstants.StaleRecordAge;
        for (var i = 0; i < count; i++)
        {
            var index = start + i;
            var endpoint = endpoints[index < count ? index : index - count];
            var cost = Jitter(Cost(endpoint, now), ref draws);
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

    /// <summary>
    /// A large pool: two weighted random candidates and the previous pick's winner (the power of two choices with
    /// memory): the winner is compared again with its new request in flight, so a fast endpoint found once stays a
    /// candidate until its cost rises, at the price of a third reading. Two draws cover the pick: 32 bits per sample,
    /// 21 per jitter.
    /// </summary>
    private BalancerEndpoint? Sample(in SelectionContext context, long now, ref PickRandom draws)
    {
        var table = _table.Get(context, static list => new WeightTable(list));
        var remembered = Volatile.Read(ref _remembered);
        var samples = draws.NextBits();
        var jitters = draws.NextBits();
        var bestIndex = table.Sample(samples);
        var bestCost = JitteredCost(table, bestIndex, now, jitters);
        Consider(table, table.Sample(samples << 32), now, jitters >> JitterBits, ref bestIndex, ref bestCost);
        if ((uint)remembered < (uint)table.Items.Length)
        {
            // After a change of endpoints the index may point at another endpoint of the new list: just another candidate.
            Consider(table, remembered, now, jitters >> (2 * JitterBits), ref bestIndex, ref bestCost);
        }

        if (bestIndex != remembered)
        {
            Volatile.Write(ref _remembered, bestIndex); // written only when the winner changes: no shared write per pick
        }

        return table.Items[bestIndex];
    }

    private static void Consider(WeightTable table, int index, long now, ulong jitter, ref int bestIndex, ref double bestCost)
    {
        if (index == bestIndex)
        {
            return; // a repeat: already compared
        }

        var cost = JitteredCost(table, index, now, jitter);
        if (cost < bestCost)
        {
            (bestIndex, bestCost) = (index, cost);
        }
    }

    /// <summary>The jittered cost of the table's item <paramref name="index"/>, the factor drawn by the low <see cref="JitterBits"/> bits of <paramref name="jitter"/>.</summary>
    private static double JitteredCost(WeightTable table, int index, long now, ulong jitter) =>
        Cost(table.Stats[index], table.InverseWeights[index], now) * JitterFactor((jitter & JitterMask) * (1.0 / (1UL << JitterBits)));

    /// <summary>
    /// Scales a cost by a random factor within ±<see cref="SelectionConstants.CostJitter"/> ÷ 2: endpoints whose costs
    /// differ by less than that share the traffic instead of the marginally cheaper one taking all of it (and the
    /// other's record going stale), while a clearly slower endpoint never wins by chance.
    /// </summary>
    private static double Jitter(double cost, ref PickRandom draws) => cost * JitterFactor(draws.NextDouble());

    /// <summary>1 ± <see cref="SelectionConstants.CostJitter"/> ÷ 2 for a <paramref name="uniform"/> draw in [0, 1).</summary>
    private static double JitterFactor(double uniform) => 1 + (SelectionConstants.CostJitter * (uniform - 0.5));

    public EndpointScore? GetScore(BalancerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var now = timeProvider.GetTimestamp();
        var stats = endpoint.Stats;
        var note = string.Create(CultureInfo.InvariantCulture, $"mean {stats.GetMeanLatency(now) * 1000:0.#} ms, typical in flight {stats.GetTypicalInFlight(now):0.#}");
        return new EndpointScore(Cost(endpoint, now) * 1000, note);
    }

    internal static double Cost(BalancerEndpoint endpoint, long timestamp) => Cost(endpoint.Stats, endpoint.InverseWeight, timestamp);

    private static double Cost(EndpointStats stats, double inverseWeight, long timestamp)
    {
        if (!stats.HasMeanLatency)
        {
            // Unknown (new, or back after refusing connections): the cheapest of all while none of this client's
            // requests is on it, so it is tried at once whatever the others' records; then priced as a queue, so it
            // gets one request at a time until it has a mean. Failures still price it out.
            var unknown = stats.InFlight == 0 ? SelectionConstants.UnknownEndpointCostShare : stats.InFlight + 1;
            return stats.PriorLatency * unknown * FailurePenalty.Recent(stats, timestamp) * inverseWeight;
        }

        var mean = stats.GetMeanLatency(timestamp, out var typicalInFlight);
        // Below its usual load an endpoint answers in about its mean time, not faster: the factor does not go under 1,
        // so an endpoint that has all of a client's traffic does not look cheaper than an idle one of the same speed.
        // Up to the usual load it rises by a tenth at most, so that of two endpoints with the same mean the one with
        // fewer requests in flight wins rather than the jitter deciding; above it, as a queue.
        var inFlight = stats.InFlight;
        var perUsual = 1 / (typicalInFlight + 1);
        var load = inFlight <= typicalInFlight
            ? 1 + (SelectionConstants.InFlightTieBreak * inFlight * perUsual)
            : ((inFlight + 1) * perUsual) + (SelectionConstants.InFlightTieBreak * typicalInFlight * perUsual);
        return mean * load * FailurePenalty.Recent(stats, timestamp) * inverseWeight;
    }
}
