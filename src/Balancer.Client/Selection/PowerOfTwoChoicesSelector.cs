using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Power of two choices (Mitzenmacher): two distinct weighted random samples; the one with fewer requests in flight
/// wins. As both samples are random, taking the first on a tie breaks ties at random.
/// </summary>
internal sealed class PowerOfTwoChoicesSelector(RandomSource random) : IEndpointSelector
{
    private SnapshotCache<WeightTable> _table;

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        if (context.Endpoints.Count == 0)
        {
            return null;
        }

        var table = _table.Get(context, static list => new WeightTable(list));
        var (first, second) = table.SampleTwo(random);
        var a = table.Items[first];
        var b = table.Items[second];
        return b.Stats.InFlight < a.Stats.InFlight ? b : a;
    }
}
