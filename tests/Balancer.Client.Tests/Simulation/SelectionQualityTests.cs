using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;
using Xunit.Abstractions;

namespace Balancer.Client.Tests.Simulation;

/// <summary>
/// The balancing quality that CI holds the selectors to, on simulated time (deterministic: seed 1). Each test prints
/// the scenario's table, so a failure shows the numbers.
/// </summary>
public class SelectionQualityTests(ITestOutputHelper output)
{
    private static readonly SimulationContender s_peakEwma = Contenders.ForSelector(EndpointSelectorNames.PeakEwma);
    private static readonly SimulationContender s_roundRobin = Contenders.ForSelector(EndpointSelectorNames.RoundRobin);
    private static readonly Lazy<SimulationResult> s_oneSlow = new(() => Run(Scenarios.OneSlow, s_roundRobin, s_peakEwma, Contenders.Oracle));

    [Fact]
    public void OneSlow_PeakEwmaP99_IsAtMostHalfOfRoundRobin()
    {
        var result = Show(s_oneSlow.Value);

        P99(result, s_peakEwma).Should().BeLessThanOrEqualTo(0.5 * P99(result, s_roundRobin));
    }

    [Fact]
    public void OneSlow_PeakEwmaP99_IsWithinOneAndAHalfOfTheOracle()
    {
        var result = Show(s_oneSlow.Value);

        P99(result, s_peakEwma).Should().BeLessThanOrEqualTo(1.5 * P99(result, Contenders.Oracle));
    }

    [Fact]
    public void Prequal_PeakEwmaP99_IsAtMostAThirdOfRoundRobin()
    {
        var result = Show(Run(Scenarios.Prequal, s_roundRobin, s_peakEwma));

        P99(result, s_peakEwma).Should().BeLessThanOrEqualTo(P99(result, s_roundRobin) / 3);
    }

    [Fact]
    public void Uniform_PeakEwmaP99_IsWithinTenPercentOfRoundRobin()
    {
        var result = Show(Run(Scenarios.Uniform, s_roundRobin, s_peakEwma));

        P99(result, s_peakEwma).Should().BeLessThanOrEqualTo(1.1 * P99(result, s_roundRobin));
    }

    [Fact]
    public void Stall_StalledBackend_GetsUnderFivePercentOfPeakEwmaTraffic_FromTwoSecondsIntoTheStallUntilItEnds()
    {
        var scenario = Scenarios.Stall;
        var stalls = scenario.Timeline.Where(c => c.Kind == ScenarioChangeKind.Stall).ToList();
        var began = stalls.Min(c => c.At);
        var ended = stalls.Max(c => c.At + c.Duration);
        var result = Show(Run(scenario, s_peakEwma));

        var share = result[s_peakEwma.Name].GetShare(stalls[0].Backend, began + TimeSpan.FromSeconds(2), ended);

        output.WriteLine($"share of {stalls[0].Backend} from {(began + TimeSpan.FromSeconds(2)).TotalSeconds} s to {ended.TotalSeconds} s: {share:P2}");
        share.Should().BeLessThan(0.05);
    }

    [Fact]
    public void Large_PeakEwma_KeepsTheSlowBackendsLightAndLosesNothing()
    {
        // One second of the scale scenario (about 270,000 requests from 50 clients over 1,000 backends) keeps the test quick.
        var scenario = Scenarios.Large with { Duration = TimeSpan.FromSeconds(1) };
        var result = Show(Run(scenario, s_peakEwma))[s_peakEwma.Name];

        var slow = scenario.Backends.Select((b, i) => (b, i)).Where(p => p.b.SlowdownFactor > 1).Average(p => result.BackendShares[p.i]);
        var fast = scenario.Backends.Select((b, i) => (b, i)).Where(p => p.b.SlowdownFactor == 1).Average(p => result.BackendShares[p.i]);
        output.WriteLine($"mean share of a 4x slower backend: {slow:P3}; of a normal one: {fast:P3}");

        result.Requests.Should().Be(result.Succeeded);
        slow.Should().BeLessThan(0.5 * fast);
    }

    private static SimulationResult Run(ScenarioDefinition scenario, params SimulationContender[] contenders) =>
        new Simulator().Run(scenario, contenders);

    private static double P99(SimulationResult result, SimulationContender contender) =>
        result[contender.Name].Latency.P99.TotalMilliseconds;

    private SimulationResult Show(SimulationResult result)
    {
        output.WriteLine(result.ToMarkdownTable());
        output.WriteLine($"wall time: {result.WallTime.TotalSeconds:0.00} s");
        return result;
    }
}
