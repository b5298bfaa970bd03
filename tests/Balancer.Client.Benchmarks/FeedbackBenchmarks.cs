using System.Net;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// The feedback path of one attempt: <see cref="EndpointStats"/> recording an outcome, and the tracker's
/// <c>Begin</c> + <c>Complete</c> around it (in-flight count, clock, failure policy, metrics without a listener), and
/// the clock read they depend on.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class FeedbackBenchmarks
{
    /// <summary>The timestamp step between two recorded samples: 1 ms.</summary>
    private static readonly long s_step = TimeProvider.System.TimestampFrequency / 1000;

    private EndpointStats _successStats = null!;
    private EndpointStats _failureStats = null!;
    private FeedbackTracker _tracker = null!;
    private BalancerEndpoint _endpoint = null!;
    private HttpRequestMessage _request = null!;
    private HttpResponseMessage _ok = null!;
    private HttpResponseMessage _unavailable = null!;
    private long _timestamp;
    private int _sample;

    [GlobalSetup]
    public void Setup()
    {
        var settings = new ClientStats(TimeProvider.System, TimeSpan.FromSeconds(10));
        _successStats = new EndpointStats(settings);
        _failureStats = new EndpointStats(settings);
        _tracker = new FeedbackTracker("backend", settings, new BalancerMetrics(null), NullLogger.Instance);
        _endpoint = BenchmarkEndpoints.Create(1, mixedWeights: false)[0];
        _request = new HttpRequestMessage(HttpMethod.Get, _endpoint.Address);
        _ok = new HttpResponseMessage(HttpStatusCode.OK);
        _unavailable = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        _timestamp = TimeProvider.System.GetTimestamp();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _request.Dispose();
        _ok.Dispose();
        _unavailable.Dispose();
    }

    /// <summary>A success 1 ms after the previous sample, alternating 10 and 14 ms so the estimate both jumps and decays.</summary>
    [Benchmark(Baseline = true)]
    public void RecordSuccess()
    {
        _timestamp += s_step;
        _successStats.Record(failure: false, (++_sample & 1) == 0 ? 0.010 : 0.014, _timestamp);
    }

    /// <summary>A failure 1 ms after the previous sample: counters, the wall-clock time of the failure and the latency penalty.</summary>
    [Benchmark]
    public void RecordFailure()
    {
        _timestamp += s_step;
        _failureStats.Record(failure: true, 0.001, _timestamp);
    }

    /// <summary>One read of the system clock, which <c>Begin</c> and <c>Complete</c> each do once (and Peak EWMA once per pick).</summary>
    [Benchmark]
    public long ReadClock() => TimeProvider.System.GetTimestamp();

    /// <summary>One attempt that ends with 200 OK: in flight +1, clock read, in flight -1, failure policy, record.</summary>
    [Benchmark]
    public void BeginCompleteSuccess()
    {
        var lease = _tracker.Begin(_endpoint, attemptNumber: 1);
        lease.Complete(_request, _ok, exception: null, canceled: false);
    }

    /// <summary>One attempt that ends with 503, which the default policy counts as a failure.</summary>
    [Benchmark]
    public void BeginCompleteFailure()
    {
        var lease = _tracker.Begin(_endpoint, attemptNumber: 1);
        lease.Complete(_request, _unavailable, exception: null, canceled: false);
    }
}
