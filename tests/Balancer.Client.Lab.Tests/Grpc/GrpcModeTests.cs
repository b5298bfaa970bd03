using Balancer.Client.Lab.Grpc;
using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab.Tests.Grpc;

public sealed class GrpcModeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("grpc-lab-").FullName;

    [Fact]
    public void Parse_Grpc_RunsOneSlowHeteroAndKillByDefault()
    {
        var errors = new List<string>();

        var options = LabOptions.Parse(["--grpc"], errors);

        errors.Should().BeEmpty();
        options.Grpc.Should().BeTrue();
        options.Scenarios.Select(s => s.Name).Should().Equal(Scenarios.OneSlow.Name, Scenarios.Hetero.Name, Scenarios.Kill.Name);
    }

    [Fact]
    public void Parse_Grpc_TakesTheModesContenderNames_AndRejectsTheHttpOnes()
    {
        var errors = new List<string>();

        var options = LabOptions.Parse(["--contenders", "round_robin,PeakEwma", "--grpc", "--scenario", "one-slow"], errors);
        LabOptions.Parse(["--grpc", "--contenders", EndpointSelectorNames.RoundRobin], errors);

        options.Contenders.Should().Equal(GrpcDotnetContender.RoundRobinName, EndpointSelectorNames.PeakEwma);
        options.Scenarios.Should().Equal(Scenarios.OneSlow);
        errors.Should().ContainSingle().Which.Should().Contain("'RoundRobin' is not a known contender of the gRPC mode");
    }

    [Fact]
    public void Parse_GrpcWithSoak_IsRejected()
    {
        var errors = new List<string>();

        LabOptions.Parse(["--grpc", "--soak"], errors);

        errors.Should().ContainSingle().Which.Should().Contain("--grpc and --soak");
    }

    [Fact]
    public void ReadHttpLab_ReadsTheP99MediansOfTheHttpLabsReport()
    {
        File.WriteAllText(Path.Combine(_folder, "one-slow.json"), """
            { "contenders": [
              { "name": "PeakEwma", "p99Ms": { "median": 30, "min": 20, "max": 40 } },
              { "name": "Oracle", "p99Ms": { "median": 20, "min": 20, "max": 20 } },
              { "name": "HAProxy", "p99Ms": null } ] }
            """);

        var figures = GrpcReport.ReadHttpLab(_folder, "one-slow");

        figures.Should().NotBeNull();
        figures!.OracleRatio(EndpointSelectorNames.PeakEwma).Should().Be(1.5);
        figures.OracleRatio(EndpointSelectorNames.PowerOfTwoChoices).Should().BeNull();
        GrpcReport.ReadHttpLab(_folder, "hetero").Should().BeNull();
    }

    [Fact]
    public void Check_OneSlow_ComparesWithRoundRobinAndTheHttpLabsOracleRatio()
    {
        File.WriteAllText(Path.Combine(_folder, "one-slow.json"), """
            { "contenders": [ { "name": "PeakEwma", "p99Ms": { "median": 30 } }, { "name": "PowerOfTwoChoices", "p99Ms": { "median": 30 } }, { "name": "Oracle", "p99Ms": { "median": 20 } } ] }
            """);
        var report = Report(
            (EndpointSelectorNames.PeakEwma, 40),
            (EndpointSelectorNames.PowerOfTwoChoices, 100),
            (GrpcDotnetContender.RoundRobinName, 400),
            (OracleContender.ContenderName, 25));

        var checks = GrpcReport.Check([report], _folder);

        // PeakEwma: 10x under round_robin, 1.6 vs 1.5 for HTTP (1.07 of it); PowerOfTwoChoices: 4x, 4.0 vs 1.5 (2.7 of it).
        checks.Select(c => c.Met).Should().Equal(true, true, false, false);
        checks[1].Measured.Should().Contain("1.60 vs HTTP 1.50");
        GrpcReport.RatioTable(report, GrpcReport.ReadHttpLab(_folder, "one-slow")).Should().Contain("| PeakEwma | 10 | 40 | 40 | 0 | 0.10 | 1.60 | 1.50 |");
    }

    [Fact]
    public void Check_WithoutHttpLabResults_SaysNotMeasured()
    {
        var report = Report((EndpointSelectorNames.PeakEwma, 40), (OracleContender.ContenderName, 25));

        var checks = GrpcReport.Check([report], _folder);

        checks.Should().OnlyContain(c => c.Met == null && c.Measured.StartsWith("not measured", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ScenarioReport Report(params (string Name, double P99Ms)[] contenders)
    {
        var plan = LabPlan.Create(Scenarios.OneSlow, LabOptions.Parse(["--grpc"], []));
        return new ScenarioReport
        {
            Plan = plan,
            Contenders = [.. contenders.Select(c => ContenderSummary.Create(c.Name, c.Name, [new RunResult { Contender = c.Name, Repeat = 1, P50Ms = 10, P99Ms = c.P99Ms, P999Ms = c.P99Ms }]))],
            Skipped = new Dictionary<string, string>(),
            Repeats = 1,
            Machine = MachineInfo.Current,
            Started = DateTimeOffset.UtcNow,
            WallTime = TimeSpan.FromSeconds(1),
        };
    }
}
