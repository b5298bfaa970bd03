using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Selection;

public sealed class SelectorSharesTests
{
    [Fact]
    public async Task RoundRobin_Weights123_EveryCycleHasExactlyTheWeights()
    {
        const int CycleLength = 1 + 2 + 3;
        const int Cycles = 40;
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build("rr-weights", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            for (var i = 0; i < cluster.Count; i++)
            {
                o.AddEndpoint(cluster[i].Address.ToString(), weight: i + 1);
            }
        });
        var client = provider.CreateClient("rr-weights");

        var sequence = new List<string>();
        for (var i = 0; i < Cycles * CycleLength; i++)
        {
            sequence.Add(await client.GetBackendAsync("/rr"));
        }

        // The schedule repeats every Σw picks, so any Σw consecutive picks hold each endpoint exactly w times.
        for (var start = 0; start + CycleLength <= sequence.Count; start++)
        {
            var window = sequence.Skip(start).Take(CycleLength).ToList();
            window.Count(n => n == "backend-0").Should().Be(1, "window starting at {0}: {1}", start, string.Join(",", window));
            window.Count(n => n == "backend-1").Should().Be(2);
            window.Count(n => n == "backend-2").Should().Be(3);
        }

        cluster.ReceivedCounts().Should().Equal(new Dictionary<string, long>
        {
            ["backend-0"] = Cycles,
            ["backend-1"] = 2 * Cycles,
            ["backend-2"] = 3 * Cycles,
        });
    }

    [Theory]
    [InlineData(EndpointSelectorNames.Random)]
    [InlineData(EndpointSelectorNames.PowerOfTwoChoices)]
    [InlineData(EndpointSelectorNames.PeakEwma)]
    public async Task Selector_ConcurrentLoadOnEqualBackends_ReachesEveryBackend(string selector)
    {
        const int Requests = 300;
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(2));
        await using var provider = TestServices.Build("all-reached", o =>
        {
            o.Selector = selector;
            o.AddEndpoints(cluster);
        });

        var failures = await Load.GetAsync(provider.CreateClient("all-reached"), "/spread", Requests, concurrency: 8);

        failures.Should().Be(0);
        cluster.TotalReceived.Should().Be(Requests);
        foreach (var (name, share) in cluster.ReceivedShares())
        {
            share.Should().BeGreaterThan(0.05, "{0} should get a part of the traffic with {1}", name, selector);
        }
    }

    [Fact]
    public async Task Random_Weights123_SharesFollowTheWeights()
    {
        const int Requests = 1200;
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build("random-weights", o =>
        {
            o.Selector = EndpointSelectorNames.Random;
            o.RandomSeed = 12345;
            for (var i = 0; i < cluster.Count; i++)
            {
                o.AddEndpoint(cluster[i].Address.ToString(), weight: i + 1);
            }
        });

        var failures = await Load.GetAsync(provider.CreateClient("random-weights"), "/weighted", Requests, concurrency: 8);

        failures.Should().Be(0);
        var shares = cluster.ReceivedShares();
        shares["backend-0"].Should().BeApproximately(1 / 6.0, 0.06);
        shares["backend-1"].Should().BeApproximately(2 / 6.0, 0.06);
        shares["backend-2"].Should().BeApproximately(3 / 6.0, 0.06);
    }
}
