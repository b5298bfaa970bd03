using System.Net;
using Balancer.Client.DependencyInjection;
using Balancer.Client.Http;
using Polly;
using Polly.Hedging;

namespace Balancer.Client.Resilience;

/// <summary>The hedging pipeline of one client (a singleton; the handler that uses it is transient).</summary>
internal sealed class HedgingRuntime
{
    public static readonly ResiliencePropertyKey<HedgedRequest> RequestKey = new("Balancer.Client.HedgedRequest");

    private readonly BalancerHedgingOptions _options;
    private readonly BalancerClientRegistry _clients;

    public HedgingRuntime(string clientName, BalancerHedgingOptions options, TimeProvider timeProvider, BalancerClientRegistry clients)
    {
        ClientName = clientName;
        _options = options;
        _clients = clients;
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddHedging(new HedgingStrategyOptions<HttpResponseMessage>
            {
                MaxHedgedAttempts = options.MaxHedgedAttempts,
                DelayGenerator = args => new ValueTask<TimeSpan>(GetDelay(args.Context)),
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } e
                    ? e is not NoAvailableEndpointException && !args.Context.CancellationToken.IsCancellationRequested
                    : args.Outcome.Result is { } r && ((int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests)),
                ActionGenerator = args =>
                {
                    var hedged = args.ActionContext.Properties.GetValue(RequestKey, null!);
                    return () => hedged.SendHedgeAsync(args.ActionContext.CancellationToken);
                },
            })
            .Build();
    }

    public string ClientName { get; }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    public bool CanHedge(HttpRequestMessage request) =>
        (RequestSafety.IsSafe(request.Method) || _options.HedgeUnsafeMethods || BalancerHttpRequestExtensions.IsNonIdempotentRetryAllowed(request))
        && RequestSafety.IsReplayable(request.Content);

    private TimeSpan GetDelay(ResilienceContext context)
    {
        if (_options.Delay is { } fixedDelay)
        {
            return fixedDelay;
        }

        // The recent p95 of the endpoint the first attempt went to: hedge only the slowest few percent.
        if (context.Properties.TryGetValue(RequestKey, out var hedged)
            && BalancerRequestOptions.GetTried(hedged.Original) is { Length: > 0 } tried
            && tried[0].Stats.GetRecentPercentile(0.95, minimumSamples: 20) is { } p95)
        {
            return p95 > _options.MinDelay ? p95 : _options.MinDelay;
        }

        return _clients.IsBalanced(ClientName) && _clients.Get(ClientName).Endpoints is { Length: > 0 } all
            && all.Select(e => e.Stats.GetRecentPercentile(0.95, 20)).Where(p => p.HasValue).Max() is { } clientP95
            ? (clientP95 > _options.MinDelay ? clientP95 : _options.MinDelay)
            : _options.MinDelay;
    }
}

/// <summary>One request being hedged: the original goes first, each hedge is a copy that avoids the endpoints tried so far.</summary>
internal sealed class HedgedRequest(HttpRequestMessage original, Uri? logicalUri, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send)
{
    public HttpRequestMessage Original => original;

    public async ValueTask<Outcome<HttpResponseMessage>> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return Outcome.FromResult(await send(request, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception)
        {
            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }

    public ValueTask<Outcome<HttpResponseMessage>> SendHedgeAsync(CancellationToken cancellationToken)
    {
        var copy = new HttpRequestMessage(original.Method, logicalUri)
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
            Content = original.Content,
        };

        foreach (var header in original.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in original.Options)
        {
            if (option.Key != BalancerRequestOptions.TriedEndpoints.Key)
            {
                ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
            }
        }

        foreach (var tried in BalancerRequestOptions.GetTried(original))
        {
            BalancerRequestOptions.AddTried(copy, tried);
        }

        return SendAsync(copy, cancellationToken);
    }
}
