using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.IntegrationTests.Selection;

[Collection(LoadSensitiveGroup.Name)]
public sealed class MlScoredSelectorTests
{
    [Fact]
    public async Task MlScored_BackendsFastForDifferentPaths_LearnsWhichServesWhat()
    {
        // backend-0 serves /a in 2 ms and /b in 100 ms, backend-1 the reverse, backend-2 and backend-3 both in 20 ms.
        // A loopback request adds about 2 ms to its service time here, and more when the machine is busy (a 2 ms path
        // measured 4 to 8 ms): the 10× gap keeps the fast backend with one request in flight cheaper than the 20 ms pair.
        await using var cluster = await BackendCluster.StartAsync(4, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(20);
            o.Behavior.PathSlowdown = i switch
            {
                0 => new Dictionary<string, double> { ["/a"] = 0.1, ["/b"] = 5 },
                1 => new Dictionary<string, double> { ["/a"] = 5, ["/b"] = 0.1 },
                _ => null,
            };
        });
        // The first requests of the process compile its code paths and take tens of milliseconds: a model that saw them
        // would take a while to forget (as Peak EWMA does). Warm up with another client, learn with a fresh one.
        await using (var warm = TestServices.Build("ml-warm-up", o => o.AddEndpoints(cluster)))
        {
            (await Load.GetAsync(warm.CreateClient("ml-warm-up"), "/warm-up", 200, 4)).Should().Be(0);
        }

        await using var provider = TestServices.Build("ml-paths", o =>
        {
            o.Selector = EndpointSelectorNames.MlScored;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient("ml-paths");

        // Learning: both paths interleaved, so that every endpoint is seen on both; on other ids of the same routes than
        // those measured below: /a/101 and /a/202 are one class (/a/{id}).
        var learning = await Task.WhenAll(Load.GetAsync(client, "/a/101", 300, 2), Load.GetAsync(client, "/b/101", 300, 2));
        learning.Should().AllBeEquivalentTo(0);

        cluster.ResetCounters();
        (await Load.GetAsync(client, "/a/202", 200, 1)).Should().Be(0);
        var aShares = cluster.ReceivedShares();
        cluster.ResetCounters();
        (await Load.GetAsync(client, "/b/202", 200, 1)).Should().Be(0);
        var bShares = cluster.ReceivedShares();

        // What it learnt is visible through the inspection API: backend-0 is fast for one class and slow for the other.
        var learnt = provider.GetRequiredService<Balancer.Client.Inspection.IBalancerInspector>().GetSnapshot("ml-paths")!.Endpoints[0];
        learnt.Score.Should().BeGreaterThan(0);
        learnt.ScoreNote.Should().Contain("request classes");

        // One request at a time, so the picks compare learnt latencies, not queues: exploration still sends some onto the
        // 20 ms pair. What cannot vary is the order: the fast backend gets at least twice its fair share, and the backend
        // that is slow for this path next to nothing.
        aShares["backend-0"].Should().BeGreaterThanOrEqualTo(0.5, "/a should go to the backend that serves it fast; shares: {0}", string.Join(", ", aShares));
        aShares["backend-1"].Should().BeLessThan(0.1, "backend-1 serves /a 50x slower; shares: {0}", string.Join(", ", aShares));
        bShares["backend-1"].Should().BeGreaterThanOrEqualTo(0.5, "/b should go to the backend that serves it fast; shares: {0}", string.Join(", ", bShares));
        bShares["backend-0"].Should().BeLessThan(0.1, "backend-0 serves /b 50x slower; shares: {0}", string.Join(", ", bShares));
    }
}
