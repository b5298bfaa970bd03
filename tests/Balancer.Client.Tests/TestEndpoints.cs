using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.Tests;

/// <summary>Builds endpoints whose statistics share one fake clock.</summary>
internal sealed class TestEndpoints
{
    public TestEndpoints(TimeSpan? decay = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Settings = new ClientStats(Time, decay ?? TimeSpan.FromSeconds(10));
    }

    public FakeTimeProvider Time { get; }

    public ClientStats Settings { get; }

    /// <summary>Makes the statistics of a new endpoint, as the client's feedback side does.</summary>
    public EndpointStats NewStats() => new(Settings);

    /// <summary>The current timestamp of <see cref="Time"/>.</summary>
    public long Now => Time.GetTimestamp();

    public BalancerEndpoint Create(int port, int weight = 1, string? zone = null) =>
        new(new Uri($"http://127.0.0.1:{port}"), weight, zone, null, new EndpointStats(Settings));

    public BalancerEndpoint[] WithWeights(params int[] weights) =>
        weights.Select((w, i) => Create(5000 + i, w)).ToArray();

    /// <summary>Records a completed request of <paramref name="latency"/> ending now.</summary>
    public void Record(BalancerEndpoint endpoint, TimeSpan latency, bool failure = false) =>
        endpoint.Stats.Record(failure, latency.TotalSeconds, Time.GetTimestamp());
}
