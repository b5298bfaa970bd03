using Balancer.Client.Runtime;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Grpc.Net.Client.Balancer;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// Tracks one call on one endpoint: counted in flight from <see cref="Start"/> until the call's outcome is known. When
/// <see cref="GrpcFeedbackHandler"/> is in the channel's handler chain it claims the call and reports the outcome at
/// the end of the response (the gRPC status in the trailers, a stream in flight for its whole life); otherwise the
/// channel's own completion (response headers, or the exception) is the outcome. Reused through
/// <see cref="TrackerPool"/> once both the channel and the handler are done with it.
/// </summary>
internal sealed class GrpcCallTracker : ISubchannelCallTracker
{
    private const int Picked = 0;
    private const int Started = 1;
    private const int FinishedBeforeStart = 2;
    private const int Done = 3;

    private readonly TrackerPool _pool;
    private readonly ClientRuntime _state;
    private BalancerEndpoint _endpoint = null!;
    private HttpRequestMessage? _request;
    private EndpointLease _lease;
    private int _phase;
    private int _owners;
    private volatile bool _claimed;
    private Task<HttpResponseMessage>? _sent;

    // The outcome, when the handler reports it before the channel called Start.
    private HttpResponseMessage? _response;
    private Exception? _exception;
    private AttemptOutcome _outcome;
    private bool _backPressure;
    private long _latencyEnd;

    public GrpcCallTracker(TrackerPool pool, ClientRuntime state, Subchannel subchannel)
    {
        _pool = pool;
        _state = state;
        Result = PickResult.ForSubchannel(subchannel, this);
    }

    /// <summary>The pick result that names this tracker's subchannel and this tracker (made once, reused).</summary>
    public PickResult Result { get; }

    public BalancerEndpoint Endpoint => _endpoint;

    public ClientRuntime State => _state;

    /// <summary>When the channel started the call (the lease's start).</summary>
    public long StartTimestamp => _lease.StartTimestamp;

    internal void Reset(BalancerEndpoint endpoint, HttpRequestMessage? request)
    {
        _endpoint = endpoint;
        _request = request;
        _phase = Picked;
        _owners = 1;
        _claimed = false;
        _sent = null;
        _response = null;
        _exception = null;
    }

    /// <summary>The handler takes over reporting the outcome; called before the channel's <see cref="Start"/>.</summary>
    public void Claim()
    {
        Interlocked.Increment(ref _owners);
        _claimed = true;
    }

    /// <summary>The handler sent the request: <see cref="Complete"/> picks up the response from <paramref name="sent"/>.</summary>
    public void Sent(Task<HttpResponseMessage> sent) => _sent = sent;

    public void Start()
    {
        _lease = _state.Tracker.Begin(_endpoint, 1);
        if (Interlocked.CompareExchange(ref _phase, Started, Picked) == FinishedBeforeStart)
        {
            Record(_response, _exception, _outcome, _backPressure, _latencyEnd);
        }
    }

    public void Complete(CompletionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_claimed)
        {
            // The channel calls this right after the response arrived (or the send failed), before reading the body.
            var sent = _sent;
            if (sent is { IsCompletedSuccessfully: true })
            {
                try
                {
                    GrpcFeedbackHandler.OnResponse(this, sent.Result);
                }
                catch (Exception exception)
                {
                    // The response went away under us (its connection was torn down): never fail the call from here.
                    GrpcLog.CompletionFailed(_state.Logger, exception, _state.Name, _endpoint.Key);
                    GrpcFeedbackHandler.OnFailure(this, _request, exception);
                }
            }
            else if ((context.Error ?? sent?.Exception?.InnerException) is { } failure)
            {
                GrpcFeedbackHandler.OnFailure(this, _request, failure);
            }
            else if (sent is { IsCanceled: true })
            {
                GrpcFeedbackHandler.OnFailure(this, _request, new OperationCanceledException());
            }
            else
            {
                // Not reached with the channel as it is; without a response to watch, the call ends here.
                GrpcFeedbackHandler.End(this, null, AttemptOutcome.Success, false, _state.TimeProvider.GetTimestamp());
            }
        }
        else
        {
            var now = _state.TimeProvider.GetTimestamp();
            var (outcome, backPressure) = context.Error is { } error ? GrpcOutcomes.FromException(error, _request, _lease.StartTimestamp, now, _state.TimeProvider.TimestampFrequency) : (AttemptOutcome.Success, false);
            Finish(null, context.Error, outcome, backPressure, now);
        }

        Release();
    }

    /// <summary>Reports the call's outcome (exactly once per call); the latency runs to <paramref name="latencyEnd"/>.</summary>
    public void Finish(HttpResponseMessage? response, Exception? exception, AttemptOutcome outcome, bool backPressure, long latencyEnd)
    {
        _response = response;
        _exception = exception;
        _outcome = outcome;
        _backPressure = backPressure;
        _latencyEnd = latencyEnd;
        while (true)
        {
            switch (Volatile.Read(ref _phase))
            {
                case Started when Interlocked.CompareExchange(ref _phase, Done, Started) == Started:
                    Record(response, exception, outcome, backPressure, latencyEnd);
                    return;
                case Picked when Interlocked.CompareExchange(ref _phase, FinishedBeforeStart, Picked) == Picked:
                    // The handler finished before the channel started the tracker (a synchronous failure): Start records it.
                    return;
                case Started or Picked:
                    continue;
                default:
                    return;
            }
        }
    }

    /// <summary>Gives up one owner's hold; the last one returns the tracker to its pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _owners) == 0)
        {
            _request = null;
            _sent = null;
            _response = null;
            _exception = null;
            _pool.Return(this);
        }
    }

    private void Record(HttpResponseMessage? response, Exception? exception, AttemptOutcome outcome, bool backPressure, long latencyEnd)
    {
        Volatile.Write(ref _phase, Done);
        var state = _state;
        try
        {
            var request = _request ?? GrpcOutcomes.NoRequest;
            state.Tracker.Complete(in _lease, request, response, exception, outcome, backPressure, latencyEnd); // health hears of it there (IOutcomeListener)
        }
        catch (Exception recordException)
        {
            GrpcLog.CompletionFailed(state.Logger, recordException, state.Name, _endpoint.Key);
        }
    }
}

/// <summary>
/// A small lock-free pool of call trackers for one endpoint's subchannel (as Microsoft.Extensions.ObjectPool's
/// default pool does it: one fast slot, then a few more). A tracker the pool has no room for is left to the GC.
/// </summary>
internal sealed class TrackerPool(ClientRuntime state, Subchannel subchannel)
{
    private readonly GrpcCallTracker?[] _items = new GrpcCallTracker?[31];
    private GrpcCallTracker? _first;

    public GrpcCallTracker Rent(BalancerEndpoint endpoint, HttpRequestMessage? request)
    {
        var tracker = _first;
        if (tracker is null || Interlocked.CompareExchange(ref _first, null, tracker) != tracker)
        {
            tracker = null;
            var items = _items;
            for (var i = 0; i < items.Length; i++)
            {
                var item = items[i];
                if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
                {
                    tracker = item;
                    break;
                }
            }

            tracker ??= new GrpcCallTracker(this, state, subchannel);
        }

        tracker.Reset(endpoint, request);
        return tracker;
    }

    public void Return(GrpcCallTracker tracker)
    {
        if (_first is null && Interlocked.CompareExchange(ref _first, tracker, null) is null)
        {
            return;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is null && Interlocked.CompareExchange(ref items[i], tracker, null) is null)
            {
                return;
            }
        }
    }
}
