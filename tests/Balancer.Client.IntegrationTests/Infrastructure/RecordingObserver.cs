using System.Collections.Concurrent;
using System.Diagnostics;
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
        _attempts.Enqueue(new Attempt(id, feedback.AttemptNumber, feedback.Endpoint, feedback.Outcome, feedback.StatusCode, Stopwatch.GetTimestamp(), feedback.Duration));
    }

    /// <summary>One completed attempt; <paramref name="CompletedAt"/> is a <see cref="Stopwatch"/> timestamp taken when the observer was told.</summary>
    public sealed record Attempt(int RequestId, int Number, BalancerEndpoint Endpoint, AttemptOutcome Outcome, System.Net.HttpStatusCode? StatusCode, long CompletedAt, TimeSpan Duration)
    {
        /// <summary>Gets the <see cref="Stopwatch"/> timestamp at which the attempt was sent (completion less duration).</summary>
        public long StartedAt => CompletedAt - (long)(Duration.TotalSeconds * Stopwatch.Frequency);
    }
}
