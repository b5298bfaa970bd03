using Balancer.Client.Feedback;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Balancer.Client.Resilience;

/// <summary>The retry pipeline and budget of one client (a singleton; the handler that uses it is transient).</summary>
internal sealed class RetryRuntime
{
    public static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Balancer.Client.Request");
    public static readonly ResiliencePropertyKey<string> StopReasonKey = new("Balancer.Client.RetryStopReason");

    private readonly BalancerRetryOptions _options;
    private readonly ILogger _logger;

    public RetryRuntime(string clientName, BalancerRetryOptions options, RetryBudget budget, TimeProvider timeProvider, ILogger logger)
    {
        ClientName = clientName;
        _options = options;
        _logger = logger;
        Budget = budget;
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.Delay,
                BackoffType = options.BackoffType,
                UseJitter = true,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context)),
            })
            .Build();
    }

    public string ClientName { get; }

    public RetryBudget Budget { get; }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (context.CancellationToken.IsCancellationRequested || !context.Properties.TryGetValue(RequestKey, out var request))
        {
            return false;
        }

        string? refusal;
        if (outcome.Exception is { } exception)
        {
            refusal = exception is NoAvailableEndpointException ? "no endpoint is available"
                : IsNotSent(exception) ? null
                : MethodRefusal(request);
        }
        else if (outcome.Result is { } response && TransientFailure.IsTransient(response.StatusCode))
        {
            refusal = MethodRefusal(request);
        }
        else
        {
            return false;
        }

        refusal ??= RequestSafety.IsReplayable(request.Content)
            ? null
            : $"the request body ({request.Content!.GetType().Name}) cannot be replayed; send buffered content such as ByteArrayContent or JsonContent to allow retries";
        refusal ??= Budget.TryRetry() ? null : $"the retry budget is exhausted (retries and hedges may be at most {_options.BudgetRatio:P0} of requests over {_options.BudgetWindow.TotalSeconds:0.#} s)";

        if (refusal is not null)
        {
            context.Properties.Set(StopReasonKey, refusal);
            Diagnostics.Log.RetryRefused(_logger, ClientName, request.Method.Method, refusal);
            return false;
        }

        return true;
    }

    private string? MethodRefusal(HttpRequestMessage request) =>
        RequestSafety.IsIdempotent(request.Method) || _options.RetryNonIdempotent || BalancerHttpRequestExtensions.IsNonIdempotentRetryAllowed(request)
            ? null
            : $"{request.Method} is not idempotent and may have reached the server; opt in with RetryNonIdempotent or request.AllowNonIdempotentRetry()";

    /// <summary>Connection failures happen before the request is written: safe to resend for every method.</summary>
    private static bool IsNotSent(Exception exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };

    /// <summary>The exception the caller gets when the last attempt failed: names the client, the attempts and why retrying stopped.</summary>
    public Exception Describe(Exception last, HttpRequestMessage request, ResilienceContext context)
    {
        if (last is NoAvailableEndpointException || last is OperationCanceledException)
        {
            return last;
        }

        var attempts = AttemptContext.GetTried(request);
        var where = attempts.Length > 0 ? $" (last on {attempts[^1].Key})" : string.Empty;
        var why = context.Properties.TryGetValue(StopReasonKey, out var reason) ? $"not retried: {reason}" : "no retries left";
        var message = $"Balancer client '{ClientName}': {request.Method} {request.RequestUri?.PathAndQuery} failed after {Math.Max(1, attempts.Length)} attempt(s){where}: {last.Message} ({why}).";
        return last is HttpRequestException http
            ? new HttpRequestException(http.HttpRequestError, message, last, http.StatusCode)
            : new HttpRequestException(message, last);
    }
}
