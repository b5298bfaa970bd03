using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;
using Balancer.Client.Tests.Endpoints;
using Xunit.Abstractions;

namespace Balancer.Client.Tests.Simulation;

/// <summary>
/// Deterministic subsetting for whole fleets: every instance's subset computed with the library's algorithm, then the
/// number of instances per endpoint and the share of instances whose subset changes when the endpoint set changes.
/// Each test prints its numbers.
/// </summary>
public class SubsettingSimulationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(100, 300, 20, 8)]
    [InlineData(1000, 3000, 30, 1)]
    public void Fleet_IsBalancedWithinFifteenPercent_AndOneEndpointChangesAtMostTenPercentOfSubsets(int instances, int endpoints, int subsetSize, int trials)
    {
        var keys = SubsetFleet.Addresses(endpoints);
        var fleet = new SubsetFleet(keys, subsetSize, instances);
        output.WriteLine($"{instances} instances x {endpoints} endpoints, subset size {subsetSize}: {fleet.Describe()}");

        var churn = new List<double>();
        for (var t = 0; t < trials; t++)
        {
            var added = new SubsetFleet([.. keys, Extra(t)], subsetSize, instances);
            var removed = new SubsetFleet([.. keys.Where((_, i) => i != (t * 37) % endpoints)], subsetSize, instances);
            churn.Add(fleet.ChurnTo(added));
            churn.Add(fleet.ChurnTo(removed));
            added.MaxOverMean.Should().BeLessThanOrEqualTo(1.15);
            removed.MaxOverMean.Should().BeLessThanOrEqualTo(1.15);
        }

        output.WriteLine($"one endpoint added or removed ({trials} each): instances whose subset changed max {churn.Max():P1}, mean {churn.Average():P1}");
        fleet.MaxOverMean.Should().BeLessThanOrEqualTo(1.15);
        churn.Max().Should().BeLessThanOrEqualTo(0.10);
    }

    [Fact]
    public void Fleet_WhenTheNumberOfSlotsPerRoundChanges_MostSubsetsChange()
    {
        // 309 → 310 endpoints at size 20: round(N / k) goes from 15 to 16, so the slots are cut anew (documented).
        var keys = SubsetFleet.Addresses(310);
        var before = new SubsetFleet(keys[..309], 20, 100);
        var after = new SubsetFleet(keys, 20, 100);

        var churn = before.ChurnTo(after);

        output.WriteLine($"309 -> 310 endpoints, size 20, 100 instances: {churn:P0} of the subsets changed; after: {after.Describe()}");
        churn.Should().BeGreaterThan(0.9);
        after.MaxOverMean.Should().BeLessThanOrEqualTo(1.15);
    }

    [Fact]
    public void Simulator_HundredClientsOnThreeHundredBackends_SubsetsOfTwentyLoseNothingAndKeepTheLatency()
    {
        // Requests, not only instance counts: 100 clients with equal rates on 300 equal backends (load 0.7, 1 s of
        // virtual time, seed 1). Subset sizes vary, so the backends' request shares spread more than the instance counts.
        var scenario = new ScenarioDefinition("subset", [.. Enumerable.Range(0, 300).Select(i => new SimulatedBackendSpec($"b{i}"))])
        {
            Clients = 100,
            Duration = TimeSpan.FromSeconds(1),
        };
        var roundRobin = Contenders.ForSelector(EndpointSelectorNames.RoundRobin);
        var subsetRoundRobin = Contenders.WithSubsetting(roundRobin, 20);
        var subsetPeakEwma = Contenders.WithSubsetting(Contenders.ForSelector(EndpointSelectorNames.PeakEwma), 20);

        var result = new Simulator().Run(scenario, [roundRobin, subsetRoundRobin, subsetPeakEwma]);

        output.WriteLine(result.ToMarkdownTable());
        foreach (var contender in result.Contenders)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{contender.Name}: busiest backend's share / mean share {contender.BackendShares.Max() * 300:F3}"));
        }

        result[subsetRoundRobin.Name].Errors.Should().Be(0);
        result[subsetPeakEwma.Name].Errors.Should().Be(0);
        result[subsetPeakEwma.Name].Latency.P99.Should().BeLessThanOrEqualTo(result[roundRobin.Name].Latency.P99 * 1.1);
        result[subsetRoundRobin.Name].BackendShares.Max().Should().BeLessThanOrEqualTo(1.4 / 300);
    }

    [Fact]
    public void Alternatives_EachMissOneOfTheTargets()
    {
        // What the scheme replaces, on the same 100 × 300 fleet at size 20: the classic algorithm (per-round shuffle,
        // subsets by position) balances but churns; top-k rendezvous hashing barely churns but does not balance.
        var keys = SubsetFleet.Addresses(300);
        var grown = keys.Append(Extra(0)).ToList();
        var classic = Compare("classic (shuffle per round)", keys, grown, Classic);
        var rendezvous = Compare("rendezvous top-k", keys, grown, Rendezvous);

        classic.Churn.Should().BeGreaterThan(0.10);
        rendezvous.MaxOverMean.Should().BeGreaterThan(1.15);
    }

    private (double MaxOverMean, double Churn) Compare(string name, List<string> keys, List<string> grown, Func<IReadOnlyList<string>, int, HashSet<string>> subset)
    {
        var before = Enumerable.Range(0, 100).Select(id => subset(keys, id)).ToList();
        var after = Enumerable.Range(0, 100).Select(id => subset(grown, id)).ToList();
        var counts = keys.Select(k => before.Count(s => s.Contains(k))).ToList();
        var maxOverMean = counts.Max() / counts.Average();
        var churn = before.Where((s, i) => !s.SetEquals(after[i])).Count() / 100.0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: max/mean {maxOverMean:F3}, one endpoint added changes {churn:P0}"));
        return (maxOverMean, churn);
    }

    private static HashSet<string> Classic(IReadOnlyList<string> keys, int id)
    {
        var sorted = keys.Order(StringComparer.Ordinal).ToArray();
        var perRound = sorted.Length / 20;
        new Random(id / perRound).Shuffle(sorted);
        return sorted.Skip(id % perRound * 20).Take(20).ToHashSet(StringComparer.Ordinal);
    }

    private static HashSet<string> Rendezvous(IReadOnlyList<string> keys, int id) =>
        keys.OrderByDescending(k => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(k), id)).Take(20).ToHashSet(StringComparer.Ordinal);

    private static string Extra(int trial) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{40000 + trial}/");
}
