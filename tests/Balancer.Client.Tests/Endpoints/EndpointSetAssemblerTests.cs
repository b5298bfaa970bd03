using Balancer.Client.Endpoints;

namespace Balancer.Client.Tests.Endpoints;

public sealed class EndpointSetAssemblerTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Next_OptionsAndSources_MergedWithTheFirstOccurrenceOfAnAddressWinning()
    {
        var assembler = Create();
        assembler.Configure([Def("http://127.0.0.1:1", weight: 5)], new SubsettingOptions(), new EndpointSourceOptions());

        var next = assembler.Next(EndpointSet.Empty, [[Def("http://127.0.0.1:1", weight: 9), Def("http://127.0.0.1:2")], null, [Def("http://127.0.0.1:2", weight: 3), Def("http://127.0.0.1:3")]], out var added, out var removed);

        next.Should().NotBeNull();
        next!.Endpoints.Select(e => (e.Address.Port, e.Weight)).Should().Equal((1, 5), (2, 1), (3, 1));
        (added, removed).Should().Be((3, 0));
    }

    [Fact]
    public void Next_SameEndpointsInAnotherOrder_PublishesNothing_ButAChangedWeightDoes()
    {
        var assembler = Create();
        assembler.Configure([], new SubsettingOptions(), new EndpointSourceOptions());
        var first = assembler.Next(EndpointSet.Empty, [[Def("http://127.0.0.1:1"), Def("http://127.0.0.1:2")]], out _, out _)!;

        assembler.Next(first, [[Def("http://127.0.0.1:2"), Def("http://127.0.0.1:1")]], out var added, out var removed).Should().BeNull("a rotated answer is not a change");
        (added, removed).Should().Be((0, 0));
        var reweighted = assembler.Next(first, [[Def("http://127.0.0.1:2", weight: 4), Def("http://127.0.0.1:1")]], out _, out _);
        reweighted.Should().NotBeNull("a new weight is a change");
        reweighted!.Version.Should().Be(first.Version + 1);
    }

    [Fact]
    public void Next_WithSubsetting_PublishesTheInstancesSubsetOfTheMergedSet()
    {
        var assembler = Create();
        assembler.Configure([Def("http://127.0.0.1:1"), Def("http://127.0.0.1:2")], new SubsettingOptions { SubsetSize = 2, InstanceId = 0, InstanceCount = 3 }, new EndpointSourceOptions());

        var next = assembler.Next(EndpointSet.Empty, [[Def("http://127.0.0.1:3"), Def("http://127.0.0.1:4"), Def("http://127.0.0.1:5"), Def("http://127.0.0.1:6")]], out _, out _);

        next!.Endpoints.Should().HaveCount(2, "the subset is cut from the 6 endpoints of options and source together");
    }

    [Fact]
    public void Configure_HttpsOnlyOptions_RefuseHttpFromSources_AndTheSourceRulesAreRead()
    {
        var assembler = Create();
        assembler.Configure([Def("https://127.0.0.1:1")], new SubsettingOptions(), new EndpointSourceOptions { AcceptEmpty = true, InitialTimeout = TimeSpan.FromSeconds(2) });

        assembler.AddressPolicy.Check(new Uri("http://127.0.0.1:2/")).Should().NotBeNull("a discovered value never downgrades https options");
        assembler.AcceptEmptyFromSources.Should().BeTrue();
        assembler.InitialTimeout.Should().Be(TimeSpan.FromSeconds(2));
    }

    private EndpointSetAssembler Create() => new(_endpoints.NewStats, _endpoints.Time, new RemovedEndpoints((_, now) => now));

    private static EndpointDefinition Def(string address, int weight = 1)
    {
        EndpointAddress.TryParse(address, out var uri, out _).Should().BeTrue();
        return new EndpointDefinition(uri!, weight, null, null);
    }
}
