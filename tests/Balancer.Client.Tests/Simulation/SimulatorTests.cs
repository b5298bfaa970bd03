using Balancer.Client.Selection;
using Balancer.Client.Testing;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Tests.Simulation;

public class SimulatorTests
{
    private static readonly SimulationContender s_roundRobin = Contenders.ForSelector(EndpointSelectorNames.RoundRobin);

    [Fact]
    public void Run_SameSeed_GivesIdenticalResults()
    {
        var scenario = Scenarios.OneSlow with { Duration = TimeSpan.FromSeconds(10) };

        var first = new Simulator(new SimulationOptions { Seed = 7 }).Run(scenario, Contenders.All);
        var second = new Simulator(new SimulationOptions { Seed = 7 }).Run(scenario, Contenders.All);
        var other = new Simulator(new SimulationOptions { Seed = 8 }).Run(scenario, Contenders.All);

        second.ToMarkdownTable().Should().Be(first.ToMarkdownTable());
        for (var i = 0; i < first.Contenders.Count; i++)
        {
            second.Contenders[i].Latency.Should().Be(first.Contenders[i].Latency);
            second.Contenders[i].RequestsOverTime.SelectMany(r => r).Should().Equal(first.Contenders[i].RequestsOverTime.SelectMany(r => r));
        }

        other.ToMarkdownTable().Should().NotBe(first.ToMarkdownTable());
    }

    [Fact]
    public void Run_EveryContender_SeesTheSameArrivals()
    {
        var result = new Simulator().Run(Scenarios.Herd with { Duration = TimeSpan.FromSeconds(5) }, Contenders.All);

        result.Contenders.Select(c => c.Requests).Distinct().Should().ContainSingle();
        result.Contenders.Select(c => c.Name).Should().Equal(Contenders.All.Select(c => c.Name));
    }

    [Fact]
    public void Run_OneConstantBackendAtLowLoad_LatencyIsTheServiceTimePlusTheMD1Wait()
    {
        // M/D/1: ρ = 0.1, S = 10 ms. P(no wait) = 1 - ρ, so the median is exactly S; the mean wait is ρS / 2(1 - ρ) ≈ 0.556 ms.
        var scenario = new ScenarioDefinition("md1", [new SimulatedBackendSpec("b0") { Capacity = 1, Distribution = ServiceTimeDistribution.Constant }])
        {
            Load = 0.1,
            Duration = TimeSpan.FromSeconds(600),
        };

        var result = new Simulator().Run(scenario, s_roundRobin);

        result.Requests.Should().BeInRange(5700, 6300);
        result.Errors.Should().Be(0);
        result.Latency.P50.Should().Be(TimeSpan.FromMilliseconds(10));
        result.Latency.Mean.TotalMilliseconds.Should().BeApproximately(10 + (0.1 * 10 / (2 * 0.9)), 0.2);
        result.Latency.Max.Should().BeLessThan(TimeSpan.FromMilliseconds(60));
        result.AchievedRate.Should().BeApproximately(10, 0.5);
    }

    [Theory]
    [InlineData("stall")]
    [InlineData("flaky")]
    [InlineData("reset")]
    [InlineData("blackhole")]
    [InlineData("kill")]
    public void Run_EveryRequest_EndsExactlyOnce(string name)
    {
        var result = new Simulator().Run(Scenarios.Get(name), [s_roundRobin, Contenders.ForSelector(EndpointSelectorNames.PeakEwma), Contenders.Oracle]);

        foreach (var c in result.Contenders)
        {
            c.Requests.Should().Be(c.Succeeded + c.Errors, c.Name);
            c.RequestsOverTime.Sum(row => row.Sum()).Should().Be(c.Requests - c.NoEndpoint, c.Name);
            c.BackendShares.Sum().Should().BeApproximately(1, 1e-9, c.Name);
        }
    }

    [Fact]
    public void Run_StoppedBackend_RefusesEveryRequestSentWhileStopped()
    {
        var scenario = new ScenarioDefinition("stop", [new SimulatedBackendSpec("b0"), new SimulatedBackendSpec("b1")])
        {
            Duration = TimeSpan.FromSeconds(3),
            Timeline = [ScenarioChange.Stop(TimeSpan.FromSeconds(1), "b1"), ScenarioChange.Start(TimeSpan.FromSeconds(2), "b1")],
        };

        var result = new Simulator().Run(scenario, s_roundRobin);

        // Round robin keeps sending half to b1: those of the second second are refused, those it held at 1 s are reset.
        result.ConnectionRefused.Should().Be(result.RequestsOverTime[1][1]);
        result.ConnectionReset.Should().BeInRange(1, 20);
        result.Requests.Should().Be(result.Succeeded + result.ConnectionRefused + result.ConnectionReset);
    }

    [Fact]
    public void Run_BlackHole_TimesOutEveryRequestAtTheTimeout()
    {
        var scenario = new ScenarioDefinition("hole", [new SimulatedBackendSpec("b0") { BlackHole = true }])
        {
            Duration = TimeSpan.FromSeconds(2),
            RequestTimeout = TimeSpan.FromMilliseconds(500),
        };

        var result = new Simulator().Run(scenario, s_roundRobin);

        result.TimedOut.Should().Be(result.Requests).And.BeGreaterThan(0);
        result.Latency.P50.Should().Be(TimeSpan.FromMilliseconds(500));
        result.Latency.Max.Should().Be(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Run_StallWindow_HoldsArrivalsUntilItCloses()
    {
        var scenario = new ScenarioDefinition("pause", [new SimulatedBackendSpec("b0") { Capacity = 100, Distribution = ServiceTimeDistribution.Constant }])
        {
            Load = 0.01,
            Duration = TimeSpan.FromSeconds(20),
            Timeline = [ScenarioChange.Stall(TimeSpan.FromSeconds(10), "b0", TimeSpan.FromSeconds(1))],
        };

        var result = new Simulator().Run(scenario, s_roundRobin);

        // 100 rps; the ~100 arrivals of the window wait for its end (up to 1 s) and are then served in 10 ms.
        result.Latency.P50.Should().Be(TimeSpan.FromMilliseconds(10));
        result.Latency.P99.Should().BeGreaterThan(TimeSpan.FromMilliseconds(500));
        result.Latency.Max.Should().BeGreaterThan(TimeSpan.FromMilliseconds(900)).And.BeLessThanOrEqualTo(TimeSpan.FromMilliseconds(1010));
        result.Errors.Should().Be(0);
    }

    [Fact]
    public void Run_FailureAndResetShares_AnswerFast()
    {
        var scenario = new ScenarioDefinition("faults", [new SimulatedBackendSpec("b0") { FailureShare = 0.4, ResetShare = 0.2 }])
        {
            Duration = TimeSpan.FromSeconds(10),
        };

        var result = new Simulator().Run(scenario, s_roundRobin);

        ((double)result.ServiceUnavailable / result.Requests).Should().BeApproximately(0.4, 0.02);
        ((double)result.ConnectionReset / result.Requests).Should().BeApproximately(0.2, 0.02);
        result.Latency.P50.Should().Be(TimeSpan.Zero, "60% of the requests fail at once");
    }

    [Fact]
    public void Contenders_CoverEveryBuiltInSelector()
    {
        Contenders.BuiltInNames.Should().Contain(
            [EndpointSelectorNames.RoundRobin, EndpointSelectorNames.Random, EndpointSelectorNames.PowerOfTwoChoices, EndpointSelectorNames.PeakEwma]);
        Contenders.BuiltIn.Select(c => c.Name).Should().Equal(Contenders.BuiltInNames);
        Contenders.All.Should().EndWith(Contenders.Oracle);
        Contenders.ForSelector("peakewma").Name.Should().Be(EndpointSelectorNames.PeakEwma);

        var act = () => Contenders.ForSelector("Nope");

        act.Should().Throw<ArgumentException>().WithMessage("*Nope*PeakEwma*");
    }

    [Fact]
    public void Run_SelectorReturningAForeignEndpoint_Throws()
    {
        var foreign = new Balancer.Client.Endpoints.BalancerEndpoint(new Uri("http://elsewhere/"));
        var contender = new SimulationContender("Foreign", _ => new FixedSelector(foreign));

        var act = () => new Simulator().Run(Scenarios.Uniform with { Duration = TimeSpan.FromSeconds(1) }, contender);

        act.Should().Throw<InvalidOperationException>().WithMessage("*Foreign*elsewhere*");
    }

    private sealed class FixedSelector(Balancer.Client.Endpoints.BalancerEndpoint endpoint) : IEndpointSelector
    {
        public Balancer.Client.Endpoints.BalancerEndpoint? Select(in SelectionContext context) => endpoint;
    }
}
