using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>Weighted random: each pick is independent, so shares match the weights on average.</summary>
internal sealed class RandomSelector(RandomSource random) : IEndpointSelector
{
    private SnapshotCache<WeightTable> _table;

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        if (context.Endpoints.Count == 0)
        {
            return null;
        }

        var table = _table.Get(context, static list => new WeightTable(list));
        return table.Items[table.Sample(random)];
    }
}
