using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;
using Xunit.Abstractions;

namespace Balancer.Client.Tests.Simulation;

/// <summary>
/// The balancing quality that CI holds the ML-scored selector to, against PeakEwma on simulated time (deterministic:
/// seed 1). Each test prints the scenario's table, so a failure shows the numbers.
/// </summary>
public class MlScoredQualityTests(ITestOutputHelper output)
{
    private static readonly SimulationContender s_peakEwma = Contenders.ForSelector(EndpointSelectorNames.PeakEwma);
    private static readonly SimulationContender s_mlScored = Contenders.ForSelector(EndpointSelectorNames.MlScored);
    private static readonly Lazy<SimulationResult> s_requestClasses = new(() => Run(Scenarios.RequestClasses, s_peakEwma, s_mlScored));

    [Fact]
    public void RequestClasses_MlScoredMean_IsAtLeast25PercentBelowPeakEwma()
    {
        var result = Show(s_requestClasses.Value);

        Mean(result, s_mlScored).Should().BeLessThanOrEqualTo(0.75 * Mean(result, s_peakEwma));
    }

    [Fact]
    public void RequestClasses_MlScoredP99_IsAtLeast25PercentBelowPeakEwma()
    {
        var result = Show(s_requestClasses.Value);

        P99(result, s_mlScored).Should().BeLessThanOrEqualTo(0.75 * P99(result, s_peakEwma));
    }

    [Fact]
    public void RequestClasses_MlScored_SendsMostOfTheTrafficToTheTwoSpecialists()
    {
        var result = Show(s_requestClasses.Value)[s_mlScored.Name];

        // b0 and b1 each serve their fast class at 4x the speed: the model should give them far more than 1/6 each.
        result.BackendShares[0].Should().BeGreaterThan(0.2);
        result.BackendShares[1].Should().BeGreaterThan(0.2);
    }

    [Fact]
    public void RequestClasses_SixteenClients_MlScoredKeepsItsLeadOverPeakEwma()
    {
        // Each of 16 independent clients sees 1/16 of the traffic, so each learns its classes from fewer samples
        // (seed 1: mean 6.7 ms vs 14.9, p99 43 ms vs 78).
        var result = Show(Run(Scenarios.RequestClasses with { Clients = 16 }, s_peakEwma, s_mlScored));

        Mean(result, s_mlScored).Should().BeLessThanOrEqualTo(0.65 * Mean(result, s_peakEwma));
        P99(result, s_mlScored).Should().BeLessThanOrEqualTo(0.75 * P99(result, s_peakEwma));
    }

    [Fact]
    public void Uniform_MlScoredP99_IsWithinTenPercentOfPeakEwma()
    {
        // Half the catalogue run keeps the test quick (about 42,000 requests per contender).
        var result = Show(Run(Scenarios.Uniform with { Duration = TimeSpan.FromSeconds(15) }, s_peakEwma, s_mlScored));

        P99(result, s_mlScored).Should().BeLessThanOrEqualTo(1.1 * P99(result, s_peakEwma));
    }

    [Fact]
    public void OneSlow_MlScoredP99_IsWithinTenPercentOfPeakEwma()
    {
        var result = Show(Run(Scenarios.OneSlow, s_peakEwma, s_mlScored));

        P99(result, s_mlScored).Should().BeLessThanOrEqualTo(1.1 * P99(result, s_peakEwma));
    }

    [Fact]
    public void RequestClasses_SpecialistSlowsDownAndRecovers_MlScoredReadaptsWithinTenSeconds()
    {
        // b0 (the /a specialist) becomes 16x slower at 10 s and recovers at 25 s.
        var scenario = Scenarios.RequestClasses with
        {
            Duration = TimeSpan.FromSeconds(40),
            Timeline = [ScenarioChange.SetSlowdown(TimeSpan.FromSeconds(10), "b0", 16), ScenarioChange.SetSlowdown(TimeSpan.FromSeconds(25), "b0", 1)],
        };
        var result = Show(Run(scenario, s_mlScored))[s_mlScored.Name];

        var before = result.GetShare("b0", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        var slow = result.GetShare("b0", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(25));
        var recovered = result.GetShare("b0", TimeSpan.FromSeconds(35), TimeSpan.FromSeconds(40));
        output.WriteLine($"b0 share: before {before:P1}, 10-15 s after slowing down {slow:P1}, 10-15 s after recovering {recovered:P1}");
        output.WriteLine("b0 share per second: " + string.Join(" ", result.GetSharesOverTime("b0").Select(s => (s * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture))));

        before.Should().BeGreaterThan(0.2);
        slow.Should().BeLessThan(0.05);
        recovered.Should().BeGreaterThan(0.5 * before);
    }

    private static SimulationResult Run(ScenarioDefinition scenario, params SimulationContender[] contenders) =>
        new Simulator().Run(scenario, contenders);

    private static double P99(SimulationResult result, SimulationContender contender) =>
        result[contender.Name].Latency.P99.TotalMilliseconds;

    private static double Mean(SimulationResult result, SimulationContender contender) =>
        result[contender.Name].Latency.Mean.TotalMilliseconds;

    private SimulationResult Show(SimulationResult result)
    {
        output.WriteLine(result.ToMarkdownTable());
        output.WriteLine($"wall time: {result.WallTime.TotalSeconds:0.00} s");
        return result;
    }
}
