using Polly;

namespace Balancer.Client.Resilience;

/// <summary>
/// Hedges requests across endpoints: the first attempt goes out at once; if it has not answered after the delay (or
/// failed), a copy goes to an endpoint no earlier copy took; the first good response wins and the others are
/// cancelled. Every request is counted by the client's budget, which every copy draws on.
/// </summary>
internal sealed class BalancerHedgingHandler(HedgingRuntime runtime) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        runtime.Budget.OnRequest(request);
        if (!runtime.CanHedge(request))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var hedged = await HedgedRequest.CreateAsync(request, (r, ct) => base.SendAsync(r, ct), cancellationToken).ConfigureAwait(false);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(HedgingRuntime.RequestKey, hedged);
        try
        {
            var outcome = await runtime.Pipeline.ExecuteOutcomeAsync(
                static (ctx, state) => state.SendAsync(state.Original, ctx.CancellationToken),
                context,
                hedged).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
