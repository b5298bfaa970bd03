using Balancer.Client.Endpoints;
using Balancer.Client.Health;

namespace Balancer.Client.Selection.Pipeline;

/// <summary>
/// The last step of the selection pipeline, for every selector and transport (the gRPC picker calls it too): an
/// endpoint ramping up after slow start keeps a pick only with probability equal to its current share; otherwise the
/// selector chooses once more (and that second choice stands).
/// </summary>
internal static class SlowStartAdmission
{
    public static BalancerEndpoint? Select(IEndpointSelector selector, in SelectionContext context, HealthMonitor health, long now)
    {
        var selected = selector.Select(context);
        if (selected is not null && context.Endpoints.Count > 1)
        {
            var share = health.SlowStartFactor(selected, now);
            if (share < 1 && RandomSource.Shared.NextDouble() >= share)
            {
                selected = selector.Select(context) ?? selected;
            }
        }

        return selected;
    }
}
