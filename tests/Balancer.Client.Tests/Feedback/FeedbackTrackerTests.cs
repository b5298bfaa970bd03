using System.Net;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Tests.Feedback;

public class FeedbackTrackerTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Complete_Success_RecordsLatencyFromTheClock()
    {
        var tracker = CreateTracker();
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");

        var lease = tracker.Begin(endpoint, 1);
        endpoint.Stats.InFlight.Should().Be(1);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(25));
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        lease.Complete(request, response, null, canceled: false);

        endpoint.Stats.InFlight.Should().Be(0);
        endpoint.Stats.Latency.Should().Be(TimeSpan.FromMilliseconds(25));
        endpoint.Stats.TotalRequests.Should().Be(1);
        endpoint.Stats.TotalFailures.Should().Be(0);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.OK, false)]
    public void Complete_StatusCode_ClassifiedByTheDefaultPolicy(HttpStatusCode status, bool failure)
    {
        var tracker = CreateTracker();
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
        using var response = new HttpResponseMessage(status);

        tracker.Begin(endpoint, 1).Complete(request, response, null, canceled: false);

        endpoint.Stats.TotalFailures.Should().Be(failure ? 1 : 0);
    }

    [Fact]
    public void Complete_Exception_IsAFailure()
    {
        var tracker = CreateTracker();
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");

        tracker.Begin(endpoint, 1).Complete(request, null, new HttpRequestException("refused"), canceled: false);

        endpoint.Stats.TotalFailures.Should().Be(1);
        endpoint.Stats.ConsecutiveFailures.Should().Be(1);
    }

    [Fact]
    public void Complete_Canceled_RecordsNeitherLatencyNorFailure()
    {
        var tracker = CreateTracker();
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
        var observer = new RecordingObserver();
        tracker.Observers = [observer];

        var lease = tracker.Begin(endpoint, 1);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(3));
        lease.Complete(request, null, new TaskCanceledException(), canceled: true);

        endpoint.Stats.InFlight.Should().Be(0);
        endpoint.Stats.Latency.Should().BeNull();
        endpoint.Stats.TotalRequests.Should().Be(0);
        endpoint.Stats.TotalFailures.Should().Be(0);
        observer.Received.Should().ContainSingle().Which.Outcome.Should().Be(AttemptOutcome.Canceled);
    }

    [Fact]
    public void Complete_CustomPolicy_Replaces404AsFailure()
    {
        var tracker = CreateTracker();
        tracker.IsFailure = (response, exception) => exception is not null || response?.StatusCode == HttpStatusCode.NotFound;
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
        using var notFound = new HttpResponseMessage(HttpStatusCode.NotFound);
        using var error = new HttpResponseMessage(HttpStatusCode.InternalServerError);

        tracker.Begin(endpoint, 1).Complete(request, notFound, null, canceled: false);
        tracker.Begin(endpoint, 1).Complete(request, error, null, canceled: false);

        endpoint.Stats.TotalFailures.Should().Be(1);
        endpoint.Stats.TotalRequests.Should().Be(2);
    }

    [Fact]
    public void Complete_ObserversReceiveTheAttempt_AndAThrowingObserverIsContained()
    {
        var tracker = CreateTracker();
        var endpoint = _endpoints.Create(1);
        var observer = new RecordingObserver();
        tracker.Observers = [new ThrowingObserver(), observer];
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://catalog/orders");
        using var response = new HttpResponseMessage(HttpStatusCode.Created);

        var lease = tracker.Begin(endpoint, 2);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(7));
        var complete = () => lease.Complete(request, response, null, canceled: false);

        complete.Should().NotThrow();
        var feedback = observer.Received.Should().ContainSingle().Subject;
        feedback.Endpoint.Should().BeSameAs(endpoint);
        feedback.ClientName.Should().Be("catalog");
        feedback.StatusCode.Should().Be(HttpStatusCode.Created);
        feedback.Outcome.Should().Be(AttemptOutcome.Success);
        feedback.Duration.Should().Be(TimeSpan.FromMilliseconds(7));
        feedback.AttemptNumber.Should().Be(2);
        feedback.Request.Should().BeSameAs(request);
    }

    [Fact]
    public void Complete_TellsTheOutcomeListenerOnce_WithTheCompletionTimestamp_NeverForACancellation()
    {
        var tracker = CreateTracker();
        var listener = new RecordingListener();
        tracker.OutcomeListener = listener;
        tracker.Observers = [new ThrowingObserver()];
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
        using var tooMany = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        var refused = new HttpRequestException("refused");

        var lease = tracker.Begin(endpoint, 1);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(25));
        lease.Complete(request, tooMany, null, canceled: false);
        tracker.Begin(endpoint, 2).Complete(request, null, refused, canceled: false);
        tracker.Begin(endpoint, 3).Complete(request, null, new OperationCanceledException(), canceled: true);

        listener.Heard.Should().Equal(
            (endpoint, true, (HttpResponseMessage?)tooMany, (Exception?)null, true, _endpoints.Time.GetTimestamp()),
            (endpoint, true, null, refused, false, _endpoints.Time.GetTimestamp()));
        endpoint.Stats.InFlight.Should().Be(0, "a throwing observer before the listener changes nothing");
    }

    [Fact]
    public void Complete_ThrowingOutcomeListener_DoesNotFailTheAttempt()
    {
        var tracker = CreateTracker();
        tracker.OutcomeListener = new ThrowingListener();
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
        using var response = new HttpResponseMessage(HttpStatusCode.OK);

        tracker.Begin(endpoint, 1).Complete(request, response, null, canceled: false).Should().Be(AttemptOutcome.Success);

        endpoint.Stats.TotalRequests.Should().Be(1);
    }

    private sealed class RecordingListener : IOutcomeListener
    {
        public List<(BalancerEndpoint, bool, HttpResponseMessage?, Exception?, bool, long)> Heard { get; } = [];

        public void OnOutcome(BalancerEndpoint endpoint, bool failure, HttpResponseMessage? response, Exception? exception, bool backPressure, long timestamp) =>
            Heard.Add((endpoint, failure, response, exception, backPressure, timestamp));
    }

    private sealed class ThrowingListener : IOutcomeListener
    {
        public void OnOutcome(BalancerEndpoint endpoint, bool failure, HttpResponseMessage? response, Exception? exception, bool backPressure, long timestamp) =>
            throw new InvalidOperationException("broken listener");
    }

    private FeedbackTracker CreateTracker() => new("catalog", _endpoints.Settings, new BalancerMetrics(null), NullLogger.Instance);

    private sealed class RecordingObserver : IFeedbackObserver
    {
        public List<AttemptFeedback> Received { get; } = [];

        public void OnAttemptCompleted(in AttemptFeedback feedback) => Received.Add(feedback);
    }

    private sealed class ThrowingObserver : IFeedbackObserver
    {
        public void OnAttemptCompleted(in AttemptFeedback feedback) => throw new InvalidOperationException("observer bug");
    }
}
