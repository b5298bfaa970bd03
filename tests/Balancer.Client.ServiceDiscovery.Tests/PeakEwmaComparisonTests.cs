using Balancer.Client.Selection;

namespace Balancer.Client.ServiceDiscovery.Tests;

[Collection(LoadSensitiveGroup.Name)]
public sealed class PeakEwmaComparisonTests
{
    [Fact]
    public async Task PeakEwma_OneBackendTwentyTimesSlower_AvoidedWhereServiceDiscoveryRoundRobinIsNot()
    {
        const int Workers = 8;
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(i == 2 ? 100 : 5);
        });
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", [.. cluster]), services =>
        {
            services.AddServiceDiscovery();
            services.AddHttpClient("plain", c => c.BaseAddress = new Uri("http://catalog/")).AddServiceDiscovery();
            services.AddBalancedHttpClient("warm-up", _ => { }).AddServiceDiscoveryEndpoints("http://catalog");
            services.AddBalancedHttpClient("catalog", o => o.Selector = EndpointSelectorNames.PeakEwma).AddServiceDiscoveryEndpoints();
        });

        // ServiceDiscovery's own handler: its round robin gives the slow backend its full third.
        (await Load.GetAsync(host.CreateClient("plain"), "/", count: 150, concurrency: Workers)).Should().Be(0);
        cluster[2].RequestsReceived.Should().Be(50);

        // Peak EWMA keeps the highest recent latency for a while: warm the code paths up with another client first.
        (await Load.GetAsync(host.CreateClient("warm-up"), "/", count: 150, concurrency: Workers)).Should().Be(0);
        cluster.ResetCounters();

        (await Load.GetAsync(host.CreateClient("catalog"), "/", count: 600, concurrency: Workers)).Should().Be(0);

        var shares = cluster.ReceivedShares();
        shares["backend-2"].Should().BeLessThan(0.12, "the slow backend should lose most comparisons; shares: {0}", string.Join(", ", shares));
    }
}
