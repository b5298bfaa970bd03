using Balancer.Client.Endpoints;

namespace Balancer.Client.Tests.Endpoints;

public class RemovedEndpointsTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Update_EndpointRemovedAndBackWithinItsTime_GetsItsStatisticsBack_AfterItsTimeNewOnes()
    {
        var window = TimeSpan.FromSeconds(30);
        var removed = new RemovedEndpoints((_, now) => now + Ticks(window));
        var first = EndpointSet.Empty.Update([Def(1), Def(2)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);
        var stats = first.Endpoints[1].Stats;

        var without = first.Update([Def(1)], _endpoints.NewStats, _endpoints.Now, out _, out var gone, removed);
        gone.Should().Be(1);
        removed.Count.Should().Be(1);
        var back = without.Update([Def(1), Def(2)], _endpoints.NewStats, _endpoints.Now, out var added, out _, removed);

        added.Should().Be(1, "it is back in the set");
        back.Endpoints[1].Stats.Should().BeSameAs(stats, "it came back within its time");
        removed.Count.Should().Be(0);

        back.Update([Def(1)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);
        _endpoints.Time.Advance(window);
        var later = EndpointSet.Empty.Update([Def(1), Def(2)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);
        later.Endpoints[1].Stats.Should().NotBeSameAs(stats, "its time was over");
        removed.Count.Should().Be(0, "expired entries are dropped");
    }

    [Fact]
    public void Update_EndpointRemovedAndBack_GetsItsHealthBack_ReweightedKeepsIt()
    {
        var removed = new RemovedEndpoints((_, now) => now + Ticks(TimeSpan.FromSeconds(30)));
        var first = EndpointSet.Empty.Update([Def(1), Def(2)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);
        var health = first.Endpoints[1].Health;
        health.CoolDownUntil(_endpoints.Time.GetTimestamp() + 1_000).Should().BeTrue();

        var without = first.Update([Def(1)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);
        var back = without.Update([Def(1), Def(2)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);
        var reweighted = back.Update([Def(1), new EndpointDefinition(new Uri("http://127.0.0.1:2/"), 3, null, null)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed);

        back.Endpoints[1].Health.Should().BeSameAs(health, "the health travels with the endpoint, like its statistics");
        back.Endpoints[1].Stats.Should().BeSameAs(first.Endpoints[1].Stats);
        reweighted.Endpoints[1].Weight.Should().Be(3);
        reweighted.Endpoints[1].Health.Should().BeSameAs(health);
        without.Update([Def(1), Def(3)], _endpoints.NewStats, _endpoints.Now, out _, out _, removed).Endpoints[1].Health.Should().NotBeSameAs(health, "another address is another endpoint");
    }

    [Fact]
    public void Add_Full_KeepsNoMore()
    {
        var removed = new RemovedEndpoints((_, now) => now + 1_000_000, capacity: 3);
        var now = _endpoints.Time.GetTimestamp();

        for (var port = 1; port <= 10; port++)
        {
            removed.Add(_endpoints.Create(port), now);
        }

        removed.Count.Should().Be(3);
        removed.Take("http://127.0.0.1:10/", now).Should().BeNull("the store was full when it left");
        removed.Take("http://127.0.0.1:1/", now).Should().NotBeNull();
    }

    private long Ticks(TimeSpan time) => (long)(time.TotalSeconds * _endpoints.Time.TimestampFrequency);

    private static EndpointDefinition Def(int port) => new(new Uri($"http://127.0.0.1:{port}/"), 1, null, null);
}
