using Balancer.Client.Endpoints;

namespace Balancer.Client.Feedback;

/// <summary>
/// Reacts to every recorded outcome of one client's attempts, inside the lease's completion, with the completion's
/// own timestamp: after the endpoint's statistics and the observers, never for a caller's cancellation. Health
/// (cool-downs, connection failures, ejections) listens here, so that an attempt's outcome enters the system in one
/// place, <see cref="EndpointLease.Complete(HttpRequestMessage, HttpResponseMessage?, Exception?, bool)"/>, whatever
/// the transport (the balancing handler, a gRPC call).
/// </summary>
internal interface IOutcomeListener
{
    /// <summary>Called once per completed attempt that was not canceled by its caller.</summary>
    void OnOutcome(BalancerEndpoint endpoint, bool failure, HttpResponseMessage? response, Exception? exception, bool backPressure, long timestamp);
}
