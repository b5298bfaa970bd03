using Balancer.Client.Endpoints;

namespace Balancer.Client.Tests.Endpoints;

public class EndpointSetTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Update_EndpointThatStays_KeepsInstanceAndStats()
    {
        var first = EndpointSet.Empty.Update([Def("http://127.0.0.1:1"), Def("http://127.0.0.1:2")], _endpoints.NewStats, _endpoints.Now, out var added, out var removed);
        added.Should().Be(2);
        removed.Should().Be(0);
        _endpoints.Record(first.Endpoints[0], TimeSpan.FromMilliseconds(12));

        var second = first.Update([Def("http://127.0.0.1:1"), Def("http://127.0.0.1:3")], _endpoints.NewStats, _endpoints.Now, out added, out removed);

        second.Endpoints[0].Should().BeSameAs(first.Endpoints[0]);
        second.Endpoints[0].Stats.Latency.Should().Be(TimeSpan.FromMilliseconds(12));
        second.Endpoints.Select(e => e.Address.Port).Should().Equal(1, 3);
        added.Should().Be(1);
        removed.Should().Be(1);
        second.Version.Should().Be(first.Version + 1);
    }

    [Fact]
    public void Update_WeightChanged_NewInstanceSameStats()
    {
        var first = EndpointSet.Empty.Update([Def("http://127.0.0.1:1")], _endpoints.NewStats, _endpoints.Now, out _, out _);

        var second = first.Update([Def("http://127.0.0.1:1", weight: 5, zone: "eu-1a")], _endpoints.NewStats, _endpoints.Now, out var added, out var removed);

        second.Endpoints[0].Should().NotBeSameAs(first.Endpoints[0]);
        second.Endpoints[0].Stats.Should().BeSameAs(first.Endpoints[0].Stats);
        second.Endpoints[0].Weight.Should().Be(5);
        second.Endpoints[0].Zone.Should().Be("eu-1a");
        added.Should().Be(0);
        removed.Should().Be(0);
    }

    [Fact]
    public void Update_Removed_IsNotReferencedByTheNewSnapshot()
    {
        var (second, removed) = UpdateDroppingOne();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        second.Endpoints.Should().ContainSingle();
        removed.IsAlive.Should().BeFalse("nothing keeps a removed endpoint alive");
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/", "")]
    [InlineData("http://LOCALHOST:80", "http://localhost/", "")]
    [InlineData("https://127.0.0.1:8443/api", "https://127.0.0.1:8443/api/", "/api")]
    [InlineData("http://[::1]:81/a/b/", "http://[::1]:81/a/b/", "/a/b")]
    public void BalancerEndpoint_NormalizesAddress(string address, string normalized, string basePath)
    {
        var endpoint = new BalancerEndpoint(new Uri(address));

        endpoint.Address.AbsoluteUri.Should().Be(normalized);
        endpoint.BasePath.Should().Be(basePath);
        endpoint.Weight.Should().Be(1);
        endpoint.Metadata.Should().BeEmpty();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private (EndpointSet Second, WeakReference Removed) UpdateDroppingOne()
    {
        var first = EndpointSet.Empty.Update([Def("http://127.0.0.1:1"), Def("http://127.0.0.1:2")], _endpoints.NewStats, _endpoints.Now, out _, out _);
        var removed = new WeakReference(first.Endpoints[1]);
        return (first.Update([Def("http://127.0.0.1:1")], _endpoints.NewStats, _endpoints.Now, out _, out _), removed);
    }

    private static EndpointDefinition Def(string address, int weight = 1, string? zone = null)
    {
        EndpointAddress.TryParse(address, out var uri, out _).Should().BeTrue();
        return new EndpointDefinition(uri!, weight, zone, null);
    }
}
