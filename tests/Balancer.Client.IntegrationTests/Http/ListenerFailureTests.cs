using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Balancer.Client.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Http;

/// <summary>
/// Telemetry listeners and feedback observers that throw must not cost a request, an in-flight count, the logical URI
/// or a pooled connection. Each listener throws only for this test's own client (meter scope, trace id), so tests
/// running in parallel are not affected.
/// </summary>
public sealed class ListenerFailureTests
{
    public enum Failing
    {
        EveryMeasurement,
        CompletionMeasurements,
        ActivitySampling,
        ActivityStart,
        ActivityStop,
        FeedbackObserver,
    }

    [Theory]
    [InlineData(Failing.EveryMeasurement)]
    [InlineData(Failing.CompletionMeasurements)]
    [InlineData(Failing.ActivitySampling)]
    [InlineData(Failing.ActivityStart)]
    [InlineData(Failing.ActivityStop)]
    [InlineData(Failing.FeedbackObserver)]
    public async Task Get_ListenerThrows_RequestSucceedsInFlightZeroUriAndHostRestored(Failing failing)
    {
        const string Name = "listener-failures";
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.PreserveLogicalHost = true;
                o.AddEndpoints(cluster);
            },
            client: b =>
            {
                // One connection per endpoint: a response left undisposed would hold it and stall the next request.
                b.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = 1 });
                if (failing == Failing.FeedbackObserver)
                {
                    b.AddFeedbackObserver(_ => new ThrowingObserver());
                }
            });
        var client = provider.CreateClient(Name);
        using var meterListener = failing is Failing.EveryMeasurement or Failing.CompletionMeasurements
            ? ThrowingMeterListener.Start(provider.GetRequiredService<IMeterFactory>(), onlyCompletion: failing == Failing.CompletionMeasurements)
            : null;
        using var activities = failing is Failing.ActivitySampling or Failing.ActivityStart or Failing.ActivityStop ? new ThrowingActivityListener(failing) : null;
        using var parent = activities?.StartParent();

        var requests = new List<HttpRequestMessage>();
        for (var i = 0; i < 10; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/item?i={i}");
            requests.Add(request);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.SendAsync(request, timeout.Token);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.GetValues(BackendHeaders.ReceivedHost).Single().Should().Be(Name);
        }

        if (activities is not null)
        {
            activities.Thrown.Should().BeGreaterThanOrEqualTo(10, "the listener did throw for every attempt");
        }

        if (meterListener is not null)
        {
            meterListener.Thrown.Should().BeGreaterThanOrEqualTo(10, "the listener did throw for every attempt");
        }

        requests.Should().OnlyContain(r => r.RequestUri == new Uri($"http://{Name}/item?i={requests.IndexOf(r)}") && r.Headers.Host == null);
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot(Name)!;
        snapshot.Endpoints.Should().OnlyContain(e => e.InFlight == 0);
        cluster.Should().OnlyContain(b => b.RequestsReceived == 5);
        requests.ForEach(r => r.Dispose());
    }

    private sealed class ThrowingObserver : IFeedbackObserver
    {
        public void OnAttemptCompleted(in AttemptFeedback feedback) => throw new InvalidOperationException("observer failed");
    }

    private sealed class ThrowingMeterListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private int _thrown;

        public int Thrown => Volatile.Read(ref _thrown);

        public static ThrowingMeterListener Start(IMeterFactory scope, bool onlyCompletion)
        {
            var result = new ThrowingMeterListener();
            result._listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, scope) && instrument.Meter.Name == BalancerDiagnostics.Name
                    && (!onlyCompletion || instrument.Name is "balancer.client.requests" or "balancer.client.request.duration"))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            result._listener.SetMeasurementEventCallback<long>((_, _, _, _) => result.Throw());
            result._listener.SetMeasurementEventCallback<double>((_, _, _, _) => result.Throw());
            result._listener.Start();
            return result;
        }

        public void Dispose() => _listener.Dispose();

        private void Throw()
        {
            Interlocked.Increment(ref _thrown);
            throw new InvalidOperationException("meter listener failed");
        }
    }

    private sealed class ThrowingActivityListener : IDisposable
    {
        private readonly ActivitySource _parents = new($"Balancer.Client.IntegrationTests.{Guid.NewGuid():N}");
        private readonly ActivityListener _listener;
        private ActivityTraceId _traceId;
        private int _thrown;

        public ThrowingActivityListener(Failing failing)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == BalancerDiagnostics.Name || ReferenceEquals(source, _parents),
                Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                {
                    if (ReferenceEquals(options.Source, _parents))
                    {
                        return ActivitySamplingResult.AllDataAndRecorded;
                    }

                    if (options.Parent.TraceId != _traceId)
                    {
                        return ActivitySamplingResult.None;
                    }

                    return failing == Failing.ActivitySampling ? Throw<ActivitySamplingResult>() : ActivitySamplingResult.AllDataAndRecorded;
                },
                ActivityStarted = activity =>
                {
                    if (failing == Failing.ActivityStart && IsOurs(activity))
                    {
                        Throw<bool>();
                    }
                },
                ActivityStopped = activity =>
                {
                    if (failing == Failing.ActivityStop && IsOurs(activity))
                    {
                        Throw<bool>();
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Thrown => Volatile.Read(ref _thrown);

        public Activity StartParent()
        {
            var parent = _parents.StartActivity("test")!;
            _traceId = parent.TraceId;
            return parent;
        }

        public void Dispose()
        {
            _listener.Dispose();
            _parents.Dispose();
        }

        private bool IsOurs(Activity activity) => activity.Source.Name == BalancerDiagnostics.Name && activity.TraceId == _traceId;

        private T Throw<T>()
        {
            Interlocked.Increment(ref _thrown);
            throw new InvalidOperationException("activity listener failed");
        }
    }
}
