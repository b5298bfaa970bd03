using Balancer.Client.Endpoints;
using Polly;
using Polly.Hedging;

namespace Balancer.Client.Resilience;

/// <summary>
/// The hedging pipeline of one client (a singleton; the handler that uses it is transient). Every copy after the first
/// attempt takes one token of the budget the client's retry shares; a copy is sent after the delay, or at once when
/// an attempt fails with a transient failure, but never after the server pushed back (429, Retry-After).
/// The delay follows the recent p95 of the endpoints, which it reads through <c>clientEndpoints</c>: the current
/// endpoints of the balanced client of the same name, or none.
/// </summary>
internal sealed class HedgingRuntime
{
    public static readonly ResiliencePropertyKey<HedgedRequest> RequestKey = new("Balancer.Client.HedgedRequest");

    private readonly BalancerHedgingOptions _options;
    private readonly Func<BalancerEndpoint[]> _clientEndpoints;

    public HedgingRuntime(string clientName, BalancerHedgingOptions options, RetryBudget budget, TimeProvider timeProvider, Func<BalancerEndpoint[]> clientEndpoints)
    {
        ClientName = clientName;
        _options = options;
        _clientEndpoints = clientEndpoints;
        Budget = budget;
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddHedging(new HedgingStrategyOptions<HttpResponseMessage>
            {
                MaxHedgedAttempts = options.MaxHedgedAttempts,
                DelayGenerator = args => new ValueTask<TimeSpan>(GetDelay(args.Context)),
                ShouldHandle = args => new ValueTask<bool>(ShouldHandle(args.Outcome, args.AttemptNumber ?? 0, args.Context)),
                ActionGenerator = args =>
                {
                    var hedged = args.ActionContext.Properties.GetValue(RequestKey, null!);
                    var token = args.ActionContext.CancellationToken;
                    return hedged.TryStartCopy(budget) ? () => hedged.SendCopyAsync(token) : null;
                },
            })
            .Build();
    }

    public string ClientName { get; }

    public RetryBudget Budget { get; }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    /// <summary>Safe methods, others only when opted in (client or request), and only with a replayable body.</summary>
    public bool CanHedge(HttpRequestMessage request) =>
        (RequestSafety.IsSafe(request.Method) || _options.HedgeUnsafeMethods || BalancerHttpRequestExtensions.IsHedgingAllowed(request))
        && RequestSafety.IsReplayable(request.Content);

    /// <summary>
    /// A handled outcome lets the next copy go out (or, when no copy may, waits for those in flight); an unhandled one is
    /// the answer. A copy that found no endpoint left does not end the request while others are in flight.
    /// </summary>
    private static bool ShouldHandle(Outcome<HttpResponseMessage> outcome, int attemptNumber, ResilienceContext context) =>
        outcome.Exception is { } exception
            ? (exception is NoAvailableEndpointException ? attemptNumber > 0 : TransientFailure.IsTransient(exception, context.CancellationToken))
            : outcome.Result is { } response && TransientFailure.IsTransient(response.StatusCode);

    private TimeSpan GetDelay(ResilienceContext context)
    {
        if (!context.Properties.TryGetValue(RequestKey, out var hedged))
        {
            return _options.Delay ?? _options.MinDelay;
        }

        if (hedged.IsStopped)
        {
            // No further copy: wait for the ones in flight (a negative delay), instead of polling.
            return Timeout.InfiniteTimeSpan;
        }

        if (_options.Delay is { } fixedDelay)
        {
            return fixedDelay;
        }

        // The recent p95 of the endpoint the first attempt went to: hedge only the slowest few percent.
        if (hedged.Attempts.Tried is { Length: > 0 } tried
            && tried[0].Stats.GetRecentPercentile(0.95, minimumSamples: 20) is { } p95)
        {
            return p95 > _options.MinDelay ? p95 : _options.MinDelay;
        }

        return _clientEndpoints() is { Length: > 0 } all
            && all.Select(e => e.Stats.GetRecentPercentile(0.95, 20)).Where(p => p.HasValue).Max() is { } clientP95
            ? (clientP95 > _options.MinDelay ? clientP95 : _options.MinDelay)
            : _options.MinDelay;
    }
}
