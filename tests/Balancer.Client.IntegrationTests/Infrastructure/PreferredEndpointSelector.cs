using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>
/// Picks the endpoint on <paramref name="port"/> whenever it is a candidate, else the first candidate: the first attempt
/// of a request surely goes to that endpoint, and a retry (which avoids tried endpoints) surely goes elsewhere.
/// </summary>
internal sealed class PreferredEndpointSelector(int port) : IEndpointSelector
{
    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (endpoints[i].Address.Port == port)
            {
                return endpoints[i];
            }
        }

        return endpoints.Count > 0 ? endpoints[0] : null;
    }
}
