using Balancer.Client.Runtime;
using Grpc.Net.Client.Balancer;

namespace Balancer.Client.Grpc.Internal;

/// <summary>The attributes the resolver puts on each address, so that the balancer finds the client and the endpoint behind a subchannel.</summary>
internal static class GrpcBalancerKeys
{
    public static readonly BalancerAttributesKey<ClientRuntime> Client = new("Balancer.Client");

    /// <summary>The endpoint's key (its address): endpoints are re-created by reloads, their keys stay.</summary>
    public static readonly BalancerAttributesKey<string> EndpointKey = new("Balancer.EndpointKey");

    /// <summary>The endpoint's weight, for other code that reads the channel's addresses.</summary>
    public static readonly BalancerAttributesKey<int> Weight = new("Balancer.Weight");

    /// <summary>The endpoint's zone, when it has one.</summary>
    public static readonly BalancerAttributesKey<string> Zone = new("Balancer.Zone");

    /// <summary>Carries the call's tracker from the pick to <see cref="GrpcFeedbackHandler"/> (the pick context's request is the call's request).</summary>
    public static readonly HttpRequestOptionsKey<GrpcCallTracker> Tracker = new("Balancer.CallTracker");
}
