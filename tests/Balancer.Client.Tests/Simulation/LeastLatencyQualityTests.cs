using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;
using Xunit.Abstractions;

namespace Balancer.Client.Tests.Simulation;

/// <summary>
/// What CI holds LeastLatency to, on simulated time (deterministic: seed 1), for one client and for a fleet
/// of 16 independent client instances that each see a sixteenth of the traffic. The bounds leave a margin over the
/// figures measured when they were set (in the comments); the lab measures the same on real backends.
/// </summary>
public class LeastLatencyQualityTests(ITestOutputHelper output)
{
    private static readonly SimulationContender s_default = Contenders.ForSelector(EndpointSelectorNames.LeastLatency);
    private static readonly SimulationContender s_peakEwma = Contenders.ForSelector(EndpointSelectorNames.PeakEwma);

    [Theory]
    [InlineData("one-slow", 1, 1.10)] // measured 1.03; PeakEwma 1.26
    [InlineData("hetero", 1, 1.20)] // 1.10 (1.15 before the in-flight tie-break); PeakEwma 1.60
    [InlineData("prequal", 1, 1.10)] // 1.03; PeakEwma 1.24
    [InlineData("one-slow", 16, 1.15)] // 1.10; PeakEwma 1.25
    [InlineData("hetero", 16, 1.20)] // 1.14; PeakEwma 1.66
    [InlineData("prequal", 16, 1.15)] // 1.06; PeakEwma 1.34
    [InlineData("uniform", 1, 1.06)] // 1.02 (1.03 before the tie-break); PeakEwma 1.01
    [InlineData("stall", 1, 1.05)] // 1.01; PeakEwma 1.03
    [InlineData("uniform", 16, 1.08)] // 1.04; PeakEwma 1.07
    [InlineData("stall", 16, 1.10)] // 1.05; PeakEwma 1.14
    public void P99_StaysNearTheOracle_AndNotAbovePeakEwma(string scenario, int clients, double bound)
    {
        var result = Run(scenario, clients);

        Ratio(result, s_default, r => r.P99).Should().BeLessThanOrEqualTo(bound);
        P99(result, s_default).Should().BeLessThanOrEqualTo(P99(result, s_peakEwma) * 1.05, "it must not lose to the default beyond noise");
    }

    [Theory]
    [InlineData(1, 1.2)] // measured 1.04; PeakEwma 5.4
    [InlineData(16, 1.3)] // 1.21 (1.18 before the tie-break); PeakEwma 11.9
    public void Prequal_P999_HasNoTwoChoiceFloor(int clients, double bound)
    {
        var result = Run("prequal", clients);

        Ratio(result, s_default, r => r.P999).Should().BeLessThanOrEqualTo(bound);
    }

    [Fact]
    public void Flaky_FailsFarLessThanPeakEwma()
    {
        var result = Run("flaky", 1);

        // 41 against 1,563 failed requests (27 against 1,567 when set): the mean latency never counts a fast failure as
        // speed. (The price: with two of ten endpoints priced out, p50 is 12.0 ms against PeakEwma's 9.0; p99 52.8
        // against 48.8.)
        result[s_default.Name].Errors.Should().BeLessThan(result[s_peakEwma.Name].Errors / 10);
    }

    [Fact]
    public void Large_SamplesCandidates_KeepsTheSlowBackendsLight_AndStaysNearTheOracle()
    {
        // The scale scenario (1,000 backends, every 20th 4x slower, 50 client instances): the pool is sampled, two random
        // candidates and the previous winner. Measured when set: p99 1.42x the oracle (PeakEwma 1.27x; 8 random
        // candidates 1.30x); a slow backend got 0.13 of a normal one's share (0.17 without the previous winner).
        var scenario = Scenarios.Large;
        var result = new Simulator().Run(scenario, [s_default, Contenders.Oracle]);
        output.WriteLine(result.ToMarkdownTable());
        var run = result[s_default.Name];
        var slow = scenario.Backends.Select((b, i) => (b, i)).Where(p => p.b.SlowdownFactor > 1).Average(p => run.BackendShares[p.i]);
        var fast = scenario.Backends.Select((b, i) => (b, i)).Where(p => p.b.SlowdownFactor == 1).Average(p => run.BackendShares[p.i]);
        output.WriteLine($"mean share of a 4x slower backend: {slow:P4}; of a normal one: {fast:P4}");

        run.Requests.Should().Be(run.Succeeded);
        slow.Should().BeLessThan(0.2 * fast);
        Ratio(result, s_default, r => r.P99).Should().BeLessThanOrEqualTo(1.6);
    }

    private SimulationResult Run(string scenario, int clients)
    {
        var definition = Scenarios.Get(scenario) with { Clients = clients };
        var result = new Simulator().Run(definition, [s_default, s_peakEwma, Contenders.Oracle]);
        output.WriteLine(result.ToMarkdownTable());
        return result;
    }

    private static double P99(SimulationResult result, SimulationContender contender) => result[contender.Name].Latency.P99.TotalMilliseconds;

    private static double Ratio(SimulationResult result, SimulationContender contender, Func<LatencySummary, TimeSpan> percentile) =>
        percentile(result[contender.Name].Latency) / percentile(result[Contenders.Oracle.Name].Latency);
}
