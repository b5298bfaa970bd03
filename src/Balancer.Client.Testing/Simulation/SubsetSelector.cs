using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.Testing.Simulation;

/// <summary>Lets a client instance's selector choose only among the instance's subset, as a client with subsetting does.</summary>
internal sealed class SubsetSelector(IEndpointSelector inner, BalancerEndpoint[] subset) : IEndpointSelector, IFeedbackObserver
{
    public BalancerEndpoint[] Subset { get; } = subset;

    public BalancerEndpoint? Select(in SelectionContext context) =>
        inner.Select(new SelectionContext(Subset, context.Request, context.TriedEndpoints) { Timestamp = context.Timestamp });

    public void OnAttemptCompleted(in AttemptFeedback feedback) => (inner as IFeedbackObserver)?.OnAttemptCompleted(feedback);
}
