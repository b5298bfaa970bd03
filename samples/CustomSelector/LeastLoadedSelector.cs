using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace CustomSelector;

/// <summary>
/// Least loaded of all: the endpoint with the fewest requests in flight per unit of weight, ties broken by the
/// lower latency estimate. Reads only the live statistics the balancer keeps on every endpoint: no locks, no
/// allocations, O(endpoints) per pick (fine for tens of endpoints; sample two at random for thousands).
/// </summary>
public sealed class LeastLoadedSelector : IEndpointSelector
{
    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        BalancerEndpoint? best = null;
        double bestLoad = double.MaxValue, bestLatency = double.MaxValue;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            var load = (endpoint.Stats.InFlight + 1) / (double)endpoint.Weight;
            var latency = endpoint.Stats.LatencyEstimate.TotalMilliseconds;
            if (load < bestLoad || (load == bestLoad && latency < bestLatency))
            {
                (best, bestLoad, bestLatency) = (endpoint, load, latency);
            }
        }

        return best; // null only when there is nothing to choose from
    }
}
