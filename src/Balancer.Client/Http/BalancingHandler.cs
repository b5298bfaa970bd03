using System.Diagnostics;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Runtime;

namespace Balancer.Client.Http;

/// <summary>
/// Sends each attempt of a request to one endpoint of the client: pick (the client's selection pipeline), rewrite the
/// URI, count in flight, send, record the outcome, restore the logical URI. Stateless itself: all state lives in the
/// client's <see cref="ClientRuntime"/>, because IHttpClientFactory recycles handler chains.
/// </summary>
/// <param name="state">The client's runtime.</param>
/// <param name="mayResend">
/// Whether a handler above this one may send the same request message again (a retry, hedging, any handler the
/// application added): then each attempt's endpoint is kept in the request's <see cref="AttemptContext"/>, so that the
/// next attempt avoids it. <see cref="HttpClient"/> itself never sends a message twice, so a chain with no handler
/// above needs no record of a first attempt, and its requests never touch <see cref="HttpRequestMessage.Options"/>.
/// </param>
internal sealed class BalancingHandler(ClientRuntime state, bool mayResend = true) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var logicalUri = request.RequestUri;
        if (!UriRewriter.IsLogical(logicalUri, state.LogicalHost))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // The endpoint TLS callback of a preserved logical host reads the attempt's endpoint from the context too.
        var settings = state.RequestSettings;
        var keepTried = mayResend || settings.PreserveLogicalHost;
        var tried = keepTried ? AttemptContext.GetTried(request) : [];
        var set = state.EndpointSet;
        if (set.Endpoints.Length == 0 && state.HasSources)
        {
            // Sources publish asynchronously: the first requests of a client wait (bounded) for the first endpoints.
            set = await state.WaitForEndpointsAsync(cancellationToken).ConfigureAwait(false);
        }

        var endpoint = state.Pipeline.Select(request, set, tried, out var picked);
        while (keepTried && !AttemptContext.TryAddTried(request, tried, endpoint))
        {
            // A concurrent hedged copy of this request took that endpoint meanwhile: pick again, seeing its choice.
            tried = AttemptContext.GetTried(request);
            endpoint = state.Pipeline.Select(request, set, tried, out picked);
        }

        var setHost = settings.PreserveLogicalHost && request.Headers.Host is null;
        var attempt = tried.Length + 1;
        var attemptTimeout = settings.AttemptTimeout;
        Activity? activity = null;
        CancellationTokenSource? timeout = null;
        CancellationTokenSource? linked = null;
        EndpointLease lease = default;
        var begun = false;
        HttpResponseMessage? response = null;
        Exception? failure = null;
        try
        {
            // Everything that changes the request or may run user code (listeners) happens inside the try, so that the
            // finally below undoes it on every path.
            request.RequestUri = UriRewriter.Rewrite(logicalUri!, endpoint);
            if (setHost)
            {
                request.Headers.Host = logicalUri!.Authority;
            }

            activity = StartActivity(endpoint, attempt);
            if (attemptTimeout is { } limit)
            {
                timeout = new CancellationTokenSource(limit, state.TimeProvider);
                linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            }

            lease = state.Tracker.Begin(endpoint, attempt, picked); // one clock read for the pick and the attempt's start
            begun = true;
            response = await base.SendAsync(request, linked?.Token ?? cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (OperationCanceledException canceled) when (timeout is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
        {
            // The balancer's own attempt timeout: a failure of the endpoint (it never answered), not the caller's choice.
            failure = new TimeoutException($"Balancer client '{state.Name}': no response from {endpoint.Key} within the attempt timeout of {attemptTimeout}.", canceled);
            throw new HttpRequestException(HttpRequestError.Unknown, failure.Message, failure);
        }
        catch (Exception exception)
        {
            failure = exception;
            throw;
        }
        finally
        {
            try
            {
                if (begun)
                {
                    Complete(lease, request, response, failure, activity, cancellationToken);
                }
            }
            catch (Exception exception)
            {
                // Bookkeeping must not cost the caller the response (nor leave it undisposed): log, and let the attempt
                // end as it did.
                Log.CompletionFailed(state.Logger, exception, state.Name, endpoint.Key);
            }
            finally
            {
                request.RequestUri = logicalUri;
                if (setHost)
                {
                    request.Headers.Host = null;
                }

                StopActivity(activity);
                linked?.Dispose();
                timeout?.Dispose();
            }
        }
    }

    private static void Complete(in EndpointLease lease, HttpRequestMessage request, HttpResponseMessage? response, Exception? failure, Activity? activity, CancellationToken cancellationToken)
    {
        var canceled = failure is OperationCanceledException && cancellationToken.IsCancellationRequested;
        var outcome = lease.Complete(request, response, failure, canceled); // health hears of it there too (IOutcomeListener)
        if (activity is not null && outcome == AttemptOutcome.Failure)
        {
            activity.SetStatus(ActivityStatusCode.Error, failure?.Message ?? $"HTTP {(int?)response?.StatusCode}");
        }
    }

    private Activity? StartActivity(BalancerEndpoint endpoint, int attempt)
    {
        var source = BalancerDiagnostics.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        try
        {
            var activity = source.StartActivity("Balancer.Attempt", ActivityKind.Internal);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(BalancerDiagnostics.ClientTag, state.Name);
                activity.SetTag(BalancerDiagnostics.SelectorTag, state.SelectorName);
                activity.SetTag(BalancerDiagnostics.ServerAddressTag, endpoint.Host);
                activity.SetTag(BalancerDiagnostics.ServerPortTag, endpoint.PortTag);
                activity.SetTag(BalancerDiagnostics.AttemptTag, attempt);
            }

            return activity;
        }
        catch (Exception exception)
        {
            // A listener threw while sampling or starting: the attempt goes on untraced, under the caller's activity.
            Log.ListenerFailed(state.Logger, exception, state.Name, "ActivityListener (start)");
            Activity.Current = previous;
            return null;
        }
    }

    private void StopActivity(Activity? activity)
    {
        if (activity is null)
        {
            return;
        }

        try
        {
            activity.Dispose();
        }
        catch (Exception exception)
        {
            Log.ListenerFailed(state.Logger, exception, state.Name, "ActivityListener (stop)");
        }
    }
}
