using System.Collections.Concurrent;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>Records every completed attempt of a client, keyed by the test's request id (request option <see cref="RequestId"/>).</summary>
internal sealed class RecordingObserver : IFeedbackObserver
{
    public static readonly HttpRequestOptionsKey<int> RequestId = new("test.request-id");

    private readonly ConcurrentQueue<Attempt> _attempts = new();

    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    public void OnAttemptCompleted(in AttemptFeedback feedback)
    {
        var id = feedback.Request.Options.TryGetValue(RequestId, out var value) ? value : -1;
        _attempts.Enqueue(new Attempt(id, feedback.AttemptNumber, feedback.Endpoint, feedback.Outcome, feedback.StatusCode));
    }

    public sealed record Attempt(int RequestId, int Number, BalancerEndpoint Endpoint, AttemptOutcome Outcome, System.Net.HttpStatusCode? StatusCode);
}
