using Balancer.Client.Endpoints;

namespace Balancer.Client.Tests.Endpoints;

public class DeterministicSubsettingTests
{
    private static readonly List<string> s_keys = SubsetFleet.Addresses(300);

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(99)]
    public void Select_AddressesInAnyOrder_GiveTheSameSubset(int instanceId)
    {
        var expected = SubsetFleet.Subset(s_keys, 20, instanceId, 100);

        foreach (var seed in new[] { 1, 2, 3 })
        {
            var shuffled = s_keys.ToArray();
            new Random(seed).Shuffle(shuffled);
            SubsetFleet.Subset(shuffled, 20, instanceId, 100).SetEquals(expected).Should().BeTrue();
        }
    }

    [Fact]
    public void Select_FullRound_CoversEveryEndpoint_WithRangesThatDoNotOverlap()
    {
        // 300 endpoints, size 20: 15 instances per round; instances 15 to 29 are round 1.
        var round = Enumerable.Range(15, 15).Select(id => SubsetFleet.Subset(s_keys, 20, id, 100)).ToList();

        round.SelectMany(s => s).Order(StringComparer.Ordinal).Should().Equal(s_keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Select_DifferentRounds_ShareAboutAsMuchAsRandomSubsetsWould()
    {
        // Rounds place endpoints independently: same-slot instances of different rounds share about k·k/N = 1.3.
        var shared = Enumerable.Range(0, 15)
            .Select(slot => SubsetFleet.Subset(s_keys, 20, slot, 100).Intersect(SubsetFleet.Subset(s_keys, 20, 15 + slot, 100)).Count())
            .Average();

        shared.Should().BeLessThan(4);
    }

    [Fact]
    public void Select_OneEndpointAddedOrRemoved_ChangesOneInstancePerRound()
    {
        var before = new SubsetFleet(s_keys, 20, 100);
        var added = new SubsetFleet([.. s_keys, "http://127.0.0.1:30000/"], 20, 100);
        var removed = new SubsetFleet([.. s_keys.Where(k => k != s_keys[123])], 20, 100);

        // 100 instances in rounds of 15: 7 rounds, one of them partial.
        before.ChurnTo(added).Should().BeLessThanOrEqualTo(0.07);
        before.ChurnTo(removed).Should().BeLessThanOrEqualTo(0.07);
        var changed = Enumerable.Range(0, 100).Where(i => !before.Subsets[i].SetEquals(added.Subsets[i])).ToList();
        changed.Should().OnlyContain(i => added.Subsets[i].Except(before.Subsets[i]).SequenceEqual(new[] { "http://127.0.0.1:30000/" }));
    }

    [Theory]
    [InlineData(10, 20)]
    [InlineData(20, 20)]
    [InlineData(29, 20)]
    [InlineData(5, 100)]
    public void Select_FewerThanOneAndAHalfSubsetSizes_EveryInstanceUsesEveryEndpoint(int endpoints, int subsetSize)
    {
        var keys = SubsetFleet.Addresses(endpoints);

        foreach (var id in new[] { 0, 1, 49 })
        {
            DeterministicSubsetting.Select(keys, subsetSize, id, 50).Should().OnlyContain(chosen => chosen);
        }
    }

    [Fact]
    public void Select_SingleInstance_UsesEveryEndpoint()
    {
        DeterministicSubsetting.Select(s_keys, 20, 0, 1).Should().OnlyContain(chosen => chosen);
    }

    [Fact]
    public void Select_FewerInstancesThanSubsets_SplitTheEndpointsAmongThem()
    {
        var fleet = new SubsetFleet(s_keys, 20, 3);

        fleet.ClientsPerEndpoint.Should().OnlyContain(c => c == 1);
        fleet.Subsets.Should().OnlyContain(s => s.Count > 50);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(8, 2)]
    [InlineData(20, 5)]
    public void Select_EveryInstance_GetsAtLeastTheMinimum(int subsetSize, int minimum)
    {
        DeterministicSubsetting.MinimumSize(subsetSize, 1000).Should().Be(minimum);
        var fleet = new SubsetFleet(s_keys, subsetSize, 300);

        fleet.Subsets.Should().OnlyContain(s => s.Count >= minimum);
        fleet.ClientsPerEndpoint.Should().OnlyContain(c => c >= 1);
    }

    [Fact]
    public void Position_IsXxHash64OfTheAddressSeededWithTheRound_SoEveryVersionAndPlatformAgrees()
    {
        // Fixed values: changing the hash would move every instance to a new subset during a rolling upgrade.
        // The first is the reference XXH64 test vector (empty input, seed 0), so other languages can compute the same.
        DeterministicSubsetting.Position(string.Empty, 0).Should().Be(0xEF46_DB37_51D8_E999UL);
        DeterministicSubsetting.Position("http://127.0.0.1:8080/", 0).Should().Be(13001970548479301829UL);
        DeterministicSubsetting.Position("http://127.0.0.1:8080/", 1).Should().Be(7433282639824008525UL);
    }

    [Fact]
    public void Apply_KeepsTheOriginalOrder_AndReturnsTheInputWhenOff()
    {
        var definitions = s_keys.Select(k => new EndpointDefinition(new Uri(k), 1, null, null)).ToList();

        var subset = DeterministicSubsetting.Apply(definitions, new SubsettingOptions { SubsetSize = 20, InstanceId = 4, InstanceCount = 100 });

        subset.Should().HaveCountLessThan(definitions.Count);
        subset.Select(d => definitions.IndexOf(d)).Should().NotContain(-1).And.BeInAscendingOrder();
        subset.Select(d => d.Address.AbsoluteUri).ToHashSet().SetEquals(SubsetFleet.Subset(s_keys, 20, 4, 100)).Should().BeTrue();
        DeterministicSubsetting.Apply(definitions, new SubsettingOptions()).Should().BeSameAs(definitions);
        DeterministicSubsetting.Apply(definitions, new SubsettingOptions { SubsetSize = 0, InstanceId = 4, InstanceCount = 100 }).Should().BeSameAs(definitions);
    }

    [Theory]
    [InlineData("orders-worker-3", 3)]
    [InlineData("orders-worker-12.orders.default.svc.cluster.local", 12)]
    [InlineData("web-0", 0)]
    [InlineData("web", null)]
    [InlineData("web-", null)]
    [InlineData("web-3a", null)]
    [InlineData("-3", null)]
    [InlineData("web-12345678901", null)]
    [InlineData("", null)]
    public void ParseHostNameOrdinal_TakesTheNumberAfterTheLastDash(string hostName, int? expected)
    {
        SubsettingOptions.ParseHostNameOrdinal(hostName).Should().Be(expected);
    }
}
