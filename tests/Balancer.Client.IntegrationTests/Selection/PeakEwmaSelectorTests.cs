using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Selection;

[Collection(LoadSensitiveGroup.Name)]
public sealed class PeakEwmaSelectorTests
{
    [Fact]
    public async Task PeakEwma_OneBackendTenTimesSlower_SendsItLessThan15Percent()
    {
        const int Requests = 1500;
        const int Workers = 16;
        await using var cluster = await BackendCluster.StartAsync(4, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(5);
            o.Behavior.SlowdownFactor = i == 3 ? 10 : 1;
        });

        // Peak EWMA keeps the highest recent latency for about LatencyDecayTime: a client measured while the process
        // still compiles its code paths would remember those peaks. Warm up with another client, measure with a fresh one.
        await using (var warmUp = TestServices.Build("ewma-warm-up", o => o.AddEndpoints(cluster)))
        {
            (await Load.GetAsync(warmUp.CreateClient("ewma-warm-up"), "/warm-up", 200, Workers)).Should().Be(0);
        }

        cluster.ResetCounters();
        await using var provider = TestServices.Build("ewma-slow", o =>
        {
            o.Selector = EndpointSelectorNames.PeakEwma;
            o.AddEndpoints(cluster);
        });

        var failures = await Load.GetAsync(provider.CreateClient("ewma-slow"), "/ewma", Requests, Workers);

        failures.Should().Be(0);
        var shares = cluster.ReceivedShares();
        shares["backend-3"].Should().BeLessThan(0.15, "the slow backend should lose most comparisons; shares: {0}", string.Join(", ", shares));
        shares.Where(s => s.Key != "backend-3").Should().OnlyContain(s => s.Value > 0.15);
    }
}
