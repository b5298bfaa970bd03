using Balancer.Client.Endpoints;
using Balancer.Client.Health;

namespace Balancer.Client.Selection.Pipeline;

/// <summary>
/// The first step of the selection pipeline: the endpoints of the set that may receive traffic now, as health decides
/// (ejections, cool-downs, failed checks, the most preferred priority tier with enough of them, panic). The result is
/// the pool of every later step: cached by the health monitor, the same instance until the set or its eligibility
/// changes, and the set's own array while every endpoint is eligible.
/// </summary>
internal static class EligibleFilter
{
    public static BalancerEndpoint[] Apply(HealthMonitor health, EndpointSet set, long now) =>
        set.Endpoints.Length == 0 ? [] : health.GetEligible(set, now).Endpoints;
}
