using Balancer.Client.Inspection;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Inspection;

/// <summary>Selector scores seen through <see cref="IBalancerInspector"/>; depends on measured latencies, so it runs alone.</summary>
[Collection(LoadSensitiveGroup.Name)]
public sealed class BalancerInspectorScoresTests
{
    [Fact]
    public async Task Scores_PeakEwma_SlowBackendCostsMoreAndGetsLessTraffic()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(i == 2 ? 40 : 2);
        });
        await using var provider = TestServices.Build("inspect-scores", o =>
        {
            o.Selector = EndpointSelectorNames.PeakEwma;
            o.AddEndpoints(cluster);
        });

        (await Load.GetAsync(provider.CreateClient("inspect-scores"), "/scores", 300, 4)).Should().Be(0);
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("inspect-scores")!;

        snapshot.SelectorName.Should().Be(EndpointSelectorNames.PeakEwma);
        snapshot.ScoreDescription.Should().NotBeNullOrEmpty();
        snapshot.Endpoints.Should().OnlyContain(e => e.Score > 0);
        var slow = snapshot.Endpoints[2];
        // The score is Peak EWMA's cost in ms: the slow backend's reflects its 40 ms. (The fast ones' are not compared:
        // a cold connection's first response is a peak that their estimate keeps for about τ.)
        slow.Score.Should().BeGreaterThan(20, "the slow backend's cost reflects its 40 ms responses");
        slow.Share.Should().BeLessThan(1.0 / 3, "Peak EWMA sends the slow backend less than an even split");
        // p95 needs a minimum of recent samples, which Peak EWMA may not have given the slow backend.
        (slow.LatencyP95 is null || slow.LatencyP95 >= TimeSpan.FromMilliseconds(30)).Should().BeTrue($"the slow backend's p95 is {slow.LatencyP95}");
        snapshot.Endpoints.Take(2).Should().OnlyContain(e => e.LatencyP95 != null, "the fast backends carry most of the 300 requests");
    }
}
