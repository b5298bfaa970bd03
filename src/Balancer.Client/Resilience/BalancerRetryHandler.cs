using Polly;

namespace Balancer.Client.Resilience;

/// <summary>
/// Runs each request through the client's retry pipeline. It sits outside the balancing handler, so every attempt
/// picks an endpoint again and avoids those already tried.
/// </summary>
internal sealed class BalancerRetryHandler(RetryRuntime runtime) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        runtime.Budget.OnRequest(request);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RetryRuntime.RequestKey, request);
        try
        {
            var outcome = await runtime.Pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Handler.SendOnceAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception exception)
                    {
                        return Outcome.FromException<HttpResponseMessage>(exception);
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);

            if (outcome.Exception is { } exception)
            {
                throw runtime.Describe(exception, request, context);
            }

            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);
}
