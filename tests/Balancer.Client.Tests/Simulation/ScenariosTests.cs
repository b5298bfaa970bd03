using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Tests.Simulation;

public class ScenariosTests
{
    [Fact]
    public void All_AreValidWithUniqueNames()
    {
        Scenarios.All.Select(s => s.Name).Should().OnlyHaveUniqueItems().And.Contain(
            ["uniform", "one-slow", "prequal", "stall", "flaky", "reset", "blackhole", "kill", "hetero", "herd", "large"]);
        foreach (var scenario in Scenarios.All)
        {
            scenario.Invoking(s => s.Validate()).Should().NotThrow(scenario.Name);
        }
    }

    [Fact]
    public void OfferedRate_IsLoadTimesTheSumOfThroughputs()
    {
        // Four backends of 4 / 10 ms = 400 rps and one 4x slower (100 rps), at 70%.
        Scenarios.OneSlow.OfferedRate.Should().BeApproximately(0.7 * ((4 * 400) + 100), 1e-9);
        Scenarios.Large.Backends.Should().HaveCount(1000);
        Scenarios.Large.Clients.Should().Be(50);
        Scenarios.Herd.Clients.Should().Be(4);
    }

    [Fact]
    public void Get_IsCaseInsensitive_AndNamesTheKnownOnesOtherwise()
    {
        Scenarios.Get("One-Slow").Should().BeSameAs(Scenarios.OneSlow);

        var act = () => Scenarios.Get("nope");

        act.Should().Throw<ArgumentException>().WithMessage("*nope*one-slow*");
    }

    [Fact]
    public void Validate_InvalidScenario_ListsEveryError()
    {
        var scenario = new ScenarioDefinition("bad", [new SimulatedBackendSpec("b0") { Capacity = 0 }, new SimulatedBackendSpec("b0") { FailureShare = 2 }])
        {
            Load = 0,
            Timeline = [ScenarioChange.Stop(TimeSpan.FromSeconds(1), "missing")],
        };

        var act = () => scenario.Validate();

        act.Should().Throw<ArgumentException>()
            .WithMessage("*Capacity must be at least 1*")
            .WithMessage("*FailureShare must be between 0 and 1*")
            .WithMessage("*'b0' is used 2 times*")
            .WithMessage("*Load must be more than 0*")
            .WithMessage("*backend 'missing' is not in the scenario*");
    }
}
