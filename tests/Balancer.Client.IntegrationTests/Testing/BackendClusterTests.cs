namespace Balancer.Client.IntegrationTests.Testing;

public sealed class BackendClusterTests
{
    [Fact]
    public async Task StartAsync_Count_NamesBackendsInOrderOnDistinctPorts()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) => o.Behavior.Capacity = 10 + i);

        cluster.Select(b => b.Name).Should().Equal("backend-0", "backend-1", "backend-2");
        cluster.Select(b => b.Port).Should().OnlyHaveUniqueItems();
        cluster.Select(b => b.Behavior.Capacity).Should().Equal(10, 11, 12);
        cluster.Find("backend-1").Should().BeSameAs(cluster[1]);
        cluster.Find("nope").Should().BeNull();
    }

    [Fact]
    public async Task StartAsync_DuplicateNames_Throws()
    {
        var act = () => BackendCluster.StartAsync(2, (_, o) => o.Name = "same");

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task ReceivedShares_AfterTraffic_MatchCountsAndSumToOne()
    {
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        using var http = new HttpClient();
        for (var i = 0; i < 3; i++)
        {
            (await Load.TryGetAsync(http, cluster[0].Address.ToString())).Should().BeTrue();
        }

        (await Load.TryGetAsync(http, cluster[1].Address.ToString())).Should().BeTrue();

        cluster.ReceivedCounts().Should().Equal(new Dictionary<string, long> { ["backend-0"] = 3, ["backend-1"] = 1 });
        cluster.ServedCounts().Should().Equal(new Dictionary<string, long> { ["backend-0"] = 3, ["backend-1"] = 1 });
        cluster.ReceivedShares().Should().Equal(new Dictionary<string, double> { ["backend-0"] = 0.75, ["backend-1"] = 0.25 });
        cluster.TotalReceived.Should().Be(4);

        cluster.ResetCounters();
        cluster.TotalReceived.Should().Be(0);
        cluster.ReceivedShares().Values.Should().OnlyContain(v => v == 0);
    }
}
