using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Endpoints;

public sealed class SubsettingTests
{
    [Fact]
    public async Task AddBalancedHttpClient_InstancesWithSubsetting_EachSendsToItsOwnSubset_AndTogetherTheyCoverEveryBackend()
    {
        // 12 backends, subset size 3, 4 instances: one full round, so the instances split the backends between them
        // (an instance whose share is below 2 borrows the next ones). Each instance is its own container, as a process would be.
        await using var cluster = await BackendCluster.StartAsync(12, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);

        var used = new List<HashSet<string>>();
        foreach (var instanceId in new[] { 0, 1, 2, 3, 0 })
        {
            await using var provider = TestServices.Build("subset", o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
                o.Subsetting = new SubsettingOptions { SubsetSize = 3, InstanceId = instanceId, InstanceCount = 4 };
            });
            var client = provider.CreateClient("subset");
            var backends = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 30; i++)
            {
                backends.Add(await client.GetBackendAsync("/subset"));
            }

            used.Add(backends);
        }

        used.Should().OnlyContain(s => s.Count >= 2 && s.Count < cluster.Count);
        used[4].Should().BeEquivalentTo(used[0], "the same instance id gives the same subset in another process");
        used.Take(4).SelectMany(s => s).Distinct().Should().HaveCount(cluster.Count, "a full round of instances covers every backend");
        used.Take(4).Sum(s => s.Count).Should().BeLessThanOrEqualTo(cluster.Count + (4 * 2), "instances of one round share backends only to reach the minimum subset size");
    }
}
