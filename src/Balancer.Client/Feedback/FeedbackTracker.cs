using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Feedback;

/// <summary>
/// Records every attempt of one client: counts it in flight while it runs, then turns its outcome into the
/// endpoint's <see cref="EndpointStats"/>, metrics, and calls to the observers.
/// </summary>
internal sealed class FeedbackTracker(string clientName, ClientStats settings, BalancerMetrics metrics, ILogger logger)
{
    private IFeedbackObserver[] _observers = [];
    private Func<HttpResponseMessage?, Exception?, bool> _isFailure = FailurePolicy.IsFailureByDefault;

    public ClientStats Settings => settings;

    /// <summary>How long (timestamp units) a server load report stays valid; set from the weighted round robin options.</summary>
    public long LoadReportExpiration { get; set; } = (long)(TimeSpan.FromMinutes(3).TotalSeconds * settings.TimeProvider.TimestampFrequency);

    public Func<HttpResponseMessage?, Exception?, bool> IsFailure
    {
        get => Volatile.Read(ref _isFailure);
        set => Volatile.Write(ref _isFailure, value);
    }

    public IFeedbackObserver[] Observers
    {
        get => Volatile.Read(ref _observers);
        set => Volatile.Write(ref _observers, value);
    }

    /// <summary>The client's health, told of every outcome after the observers (set once, by the wiring layer).</summary>
    public IOutcomeListener? OutcomeListener { get; set; }

    /// <summary>Counts an attempt in flight; the returned lease must be completed exactly once.</summary>
    public EndpointLease Begin(BalancerEndpoint endpoint, int attemptNumber) =>
        Begin(endpoint, attemptNumber, settings.TimeProvider.GetTimestamp());

    /// <summary>Counts an attempt in flight that started at <paramref name="startTimestamp"/> (the pick's own clock read).</summary>
    public EndpointLease Begin(BalancerEndpoint endpoint, int attemptNumber, long startTimestamp)
    {
        endpoint.Stats.IncrementInFlight();
        var tagged = settings.EndpointMetricTags;
        metrics.InFlight(clientName, tagged ? endpoint : null, 1);
        return new EndpointLease(this, endpoint, startTimestamp, attemptNumber, tagged);
    }

    internal AttemptOutcome Complete(in EndpointLease lease, HttpRequestMessage request, HttpResponseMessage? response, Exception? exception, bool canceled)
    {
        var now = settings.TimeProvider.GetTimestamp();
        if (canceled)
        {
            return Finish(in lease, request, response, exception, AttemptOutcome.Canceled, backPressure: false, now, now);
        }

        bool failure;
        try
        {
            failure = IsFailure(response, exception);
        }
        catch (Exception policyException)
        {
            // A broken policy must not turn a good response into a lost request: count it as a failure and log.
            Log.ObserverFailed(logger, policyException, clientName, nameof(BalancerOptions.IsFailure));
            failure = true;
        }

        if (response is not null && response.Headers.NonValidated.TryGetValues(OrcaLoadReportParser.HeaderName, out var loadHeader)
            && OrcaLoadReportParser.TryParse(loadHeader.ToString(), settings.TimeProvider.GetUtcNow(), out var report))
        {
            RecordServerLoad(lease.Endpoint, report!, now);
        }

        return Finish(in lease, request, response, exception, failure ? AttemptOutcome.Failure : AttemptOutcome.Success, response is { StatusCode: System.Net.HttpStatusCode.TooManyRequests }, now, now);
    }

    /// <summary>
    /// Completes an attempt whose outcome its transport classified (a gRPC status rather than an HTTP status): the
    /// latency runs to <paramref name="latencyEnd"/> (the response headers of a stream), in flight to now.
    /// </summary>
    internal AttemptOutcome Complete(in EndpointLease lease, HttpRequestMessage request, HttpResponseMessage? response, Exception? exception, AttemptOutcome outcome, bool backPressure, long latencyEnd) =>
        Finish(in lease, request, response, exception, outcome, backPressure, latencyEnd, settings.TimeProvider.GetTimestamp());

    /// <summary>Records a load report an endpoint sent in its response (header or trailer).</summary>
    internal void RecordServerLoad(BalancerEndpoint endpoint, ServerLoadReport report, long now) =>
        endpoint.Stats.RecordServerLoad(report, now, LoadReportExpiration);

    private AttemptOutcome Finish(in EndpointLease lease, HttpRequestMessage request, HttpResponseMessage? response, Exception? exception, AttemptOutcome outcome, bool backPressure, long latencyEnd, long now)
    {
        var endpoint = lease.Endpoint;
        var seconds = settings.ToSeconds(Math.Max(0, latencyEnd - lease.StartTimestamp));
        endpoint.Stats.DecrementInFlight();
        var tagged = lease.EndpointMetricTags ? endpoint : null;
        metrics.InFlight(clientName, tagged, -1);
        if (outcome != AttemptOutcome.Canceled)
        {
            endpoint.Stats.Record(outcome == AttemptOutcome.Failure, seconds, now, backPressure);
        }

        metrics.Completed(clientName, tagged, outcome, seconds);

        var observers = Observers;
        if (observers.Length > 0)
        {
            var feedback = new AttemptFeedback(clientName, endpoint, request, outcome, response?.StatusCode, exception, TimeSpan.FromSeconds(seconds), lease.AttemptNumber);
            foreach (var observer in observers)
            {
                try
                {
                    observer.OnAttemptCompleted(in feedback);
                }
                catch (Exception observerException)
                {
                    Log.ObserverFailed(logger, observerException, clientName, observer.GetType().Name);
                }
            }
        }

        if (outcome != AttemptOutcome.Canceled && OutcomeListener is { } listener)
        {
            try
            {
                listener.OnOutcome(endpoint, outcome == AttemptOutcome.Failure, response, exception, backPressure, now);
            }
            catch (Exception listenerException)
            {
                // Bookkeeping must not cost the caller the response: log, and let the attempt end as it did.
                Log.ObserverFailed(logger, listenerException, clientName, listener.GetType().Name);
            }
        }

        return outcome;
    }
}

/// <summary>One attempt in flight on one endpoint. Completed in <c>finally</c> by the handler, so counts never leak.</summary>
internal readonly struct EndpointLease(FeedbackTracker tracker, BalancerEndpoint endpoint, long startTimestamp, int attemptNumber, bool endpointMetricTags)
{
    /// <summary>Whether the attempt's metrics carry the endpoint: decided once at the start, so in-flight +1 and -1 land on the same series.</summary>
    public bool EndpointMetricTags => endpointMetricTags;

    public BalancerEndpoint Endpoint => endpoint;

    public long StartTimestamp => startTimestamp;

    public int AttemptNumber => attemptNumber;

    public AttemptOutcome Complete(HttpRequestMessage request, HttpResponseMessage? response, Exception? exception, bool canceled) =>
        tracker.Complete(in this, request, response, exception, canceled);
}
