using System.Collections.Concurrent;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.ServiceDiscovery.Tests.Infrastructure;

/// <summary>Counts the attempts the balancer itself sent (an observer hears only those), and keeps the endpoints it used.</summary>
internal sealed class AttemptCounter : IFeedbackObserver
{
    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public ConcurrentDictionary<string, BalancerEndpoint> Endpoints { get; } = new(StringComparer.Ordinal);

    public void OnAttemptCompleted(in AttemptFeedback feedback)
    {
        Interlocked.Increment(ref _attempts);
        Endpoints.TryAdd(feedback.Endpoint.Address.ToString(), feedback.Endpoint);
    }
}
