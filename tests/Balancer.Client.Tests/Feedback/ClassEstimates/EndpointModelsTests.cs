using System.Net;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Feedback.ClassEstimates;

namespace Balancer.Client.Tests.Feedback.ClassEstimates;

/// <summary>The store of class models and the observer that trains them from completed attempts.</summary>
public class EndpointModelsTests
{
    private readonly TestEndpoints _endpoints = new();
    private readonly List<int> _classified = [];

    [Fact]
    public void OnAttemptCompleted_LearnsTheClassThePickStored()
    {
        var models = Create();
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a");
        AttemptContext.SetRequestClass(request, 2);

        models.OnAttemptCompleted(Feedback(endpoint, request, AttemptOutcome.Success, 0.020));

        var now = _endpoints.Time.GetTimestamp();
        models.For(endpoint.Stats).Read(2, now, _endpoints.Settings.InverseDecayTimestampUnits).Mean.Should().BeApproximately(0.020, 1e-9);
        models.For(endpoint.Stats).Read(0, now, _endpoints.Settings.InverseDecayTimestampUnits).Samples.Should().Be(0);
        _classified.Should().BeEmpty("the class travelled with the request");
    }

    [Fact]
    public void OnAttemptCompleted_WithoutAStoredClass_ClassifiesTheRequestAgain()
    {
        var models = Create(classify: 3);
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a");

        models.OnAttemptCompleted(Feedback(endpoint, request, AttemptOutcome.Failure, 0.5));

        _classified.Should().Equal(3);
        var estimate = models.For(endpoint.Stats).Read(3, _endpoints.Time.GetTimestamp(), _endpoints.Settings.InverseDecayTimestampUnits);
        estimate.Failures.Should().BeApproximately(1, 1e-9);
    }

    [Fact]
    public void OnAttemptCompleted_CancelledAttempts_TeachNothing_ButReachTheNextObserver()
    {
        var next = new CountingObserver();
        var models = Create(next: next);
        var endpoint = _endpoints.Create(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a");

        models.OnAttemptCompleted(Feedback(endpoint, request, AttemptOutcome.Canceled, 0.020));
        models.Summarize(endpoint.Stats).Should().BeNull("no model was made for a cancellation");
        models.OnAttemptCompleted(Feedback(endpoint, request, AttemptOutcome.Success, 0.020));

        next.Count.Should().Be(2);
        models.Summarize(endpoint.Stats).Should().NotBeNull();
    }

    [Fact]
    public void Summarize_AModelWithoutSamples_IsNull()
    {
        var models = Create();
        var endpoint = _endpoints.Create(1);

        models.For(endpoint.Stats);

        models.Summarize(endpoint.Stats).Should().BeNull();
    }

    private EndpointModels Create(int classify = 0, IFeedbackObserver? next = null) =>
        new(_endpoints.Settings, classes: 4, window: 50, _ =>
        {
            _classified.Add(classify);
            return classify;
        }, next);

    private static AttemptFeedback Feedback(BalancerEndpoint endpoint, HttpRequestMessage request, AttemptOutcome outcome, double seconds) =>
        new("catalog", endpoint, request, outcome, outcome == AttemptOutcome.Success ? HttpStatusCode.OK : null, null, TimeSpan.FromSeconds(seconds), 1);

    private sealed class CountingObserver : IFeedbackObserver
    {
        public int Count { get; private set; }

        public void OnAttemptCompleted(in AttemptFeedback feedback) => Count++;
    }
}
