using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// Knows the truth of every backend and sends each request where its expected time to a successful answer is smallest:
/// (time left in a stall + expected wait in the queue + mean service time) ÷ the share of requests answered without a
/// fault, where the wait is max(0, requests ahead + 1 − capacity) ÷ capacity × mean service time (see
/// <see cref="BackendCosts"/>). Stopped and black-holed backends are never chosen while another one can answer. Ties go
/// to the first best after a random start.
/// </summary>
internal sealed class OracleSelector(IReadOnlyList<BalancerEndpoint> endpoints, BackendCosts costs, SimulationClock clock, RandomSource random) : IEndpointSelector
{
    private Dictionary<string, int>? _indexes;

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var list = context.Endpoints;
        var count = list.Count;
        if (count == 0)
        {
            return null;
        }

        var now = clock.ElapsedTicks;
        if (ReferenceEquals(list, endpoints) && count == costs.Count)
        {
            return list[costs.ArgMin(random.Next(count), now)];
        }

        // A list other than the client's own (a retry without the endpoints already tried): look each one up.
        var start = random.Next(count);
        var best = start;
        var bestCost = double.PositiveInfinity;
        for (var k = 0; k < count; k++)
        {
            var i = start + k < count ? start + k : start + k - count;
            var cost = costs.Get(IndexOf(list[i]), now);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = i;
            }
        }

        return list[best];
    }

    private int IndexOf(BalancerEndpoint endpoint)
    {
        _indexes ??= SimulatedClient.IndexesOf(endpoints);
        return _indexes[endpoint.Key];
    }
}
