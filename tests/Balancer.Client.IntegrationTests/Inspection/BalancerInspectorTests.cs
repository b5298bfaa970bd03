using Balancer.Client.Inspection;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Inspection;

/// <summary>What <see cref="IBalancerInspector"/> shows for a balanced client sending real requests to real backends.</summary>
public sealed class BalancerInspectorTests
{
    [Fact]
    public async Task Share_MatchesWhatTheBackendsReceived()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build("inspect-share", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoint(cluster[0].Address.ToString());
            o.AddEndpoint(cluster[1].Address.ToString());
            o.AddEndpoint(cluster[2].Address.ToString(), weight: 2);
        });

        (await Load.GetAsync(provider.CreateClient("inspect-share"), "/share", 200, 4)).Should().Be(0);
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("inspect-share")!;

        var received = cluster.Select(b => (double)b.RequestsReceived / cluster.TotalReceived).ToArray();
        received.Should().Equal([0.25, 0.25, 0.5], (a, b) => Math.Abs(a - b) < 1e-9);
        snapshot.Endpoints.Select(e => e.Share).Should().Equal(received, (a, b) => Math.Abs(a - b) < 0.02, "the decayed share follows the traffic sent");
        snapshot.Endpoints.Select(e => e.TotalRequests).Should().Equal(cluster.Select(b => b.RequestsReceived));
        snapshot.Endpoints.Should().OnlyContain(e => e.Health == EndpointHealthStatus.Healthy && e.InFlight == 0 && e.Latency > TimeSpan.Zero);
    }

    [Fact]
    public async Task InFlight_RequestsHeldByABackend_AreCountedUntilTheyEnd()
    {
        await using var cluster = await BackendCluster.StartAsync(2, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.BlackHole = i == 0;
        });
        await using var provider = TestServices.Build("inspect-in-flight", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient("inspect-in-flight");
        var inspector = provider.GetRequiredService<IBalancerInspector>();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var held = Enumerable.Range(0, 8).Select(_ => Load.TryGetAsync(client, "/held", cancel.Token).ContinueWith(_ => { }, TaskScheduler.Default)).ToArray();
        await cluster[0].WaitForRequestsAsync(4, cancel.Token);
        // The other four went to the answering backend: wait until they have completed (the held ones cannot).
        var pending = held.ToList();
        for (var completed = 0; completed < 4; completed++)
        {
            pending.Remove(await Task.WhenAny(pending).WaitAsync(cancel.Token));
        }

        var during = inspector.GetSnapshot("inspect-in-flight")!;
        await cancel.CancelAsync();
        await Task.WhenAll(held);
        var after = inspector.GetSnapshot("inspect-in-flight")!;

        during.Endpoints.Select(e => e.InFlight).Should().Equal(4, 0);
        after.Endpoints.Select(e => e.InFlight).Should().Equal(0, 0);
        after.Endpoints[0].TotalRequests.Should().Be(0, "cancelled attempts are not completed requests");
    }

    [Fact]
    public async Task Ejection_FailingBackend_ShownEjectedWithItsEnd_OthersCarryTheTraffic()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = i == 1 ? 1 : 0;
        });
        await using var provider = TestServices.Build("inspect-ejection", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient("inspect-ejection");
        for (var i = 0; i < 60; i++)
        {
            await Load.TryGetAsync(client, "/eject");
        }

        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("inspect-ejection")!;

        var failing = snapshot.Endpoints[1];
        failing.Health.Should().Be(EndpointHealthStatus.Ejected);
        failing.EjectedUntil.Should().BeAfter(snapshot.Timestamp).And.BeOnOrBefore(snapshot.Timestamp + TimeSpan.FromSeconds(30));
        failing.EjectionCount.Should().Be(1);
        failing.TotalFailures.Should().Be(5);
        failing.ConsecutiveFailures.Should().Be(5);
        failing.Share.Should().BeLessThan(0.15, "it got 5 of the 60 requests, all early");
        snapshot.Endpoints.Where(e => e != failing).Should().OnlyContain(e => e.Health == EndpointHealthStatus.Healthy && e.TotalFailures == 0);
        snapshot.Panic.Should().BeFalse();
    }
}
