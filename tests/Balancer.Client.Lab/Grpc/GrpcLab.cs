using System.Diagnostics;
using System.Globalization;
using Balancer.Client.Testing.Simulation;
using Spectre.Console;

namespace Balancer.Client.Lab.Grpc;

/// <summary>
/// The gRPC mode (<c>--grpc</c>): the scenarios on gRPC servers with the HTTP lab's capacity model, and the same
/// open-loop Poisson load, comparing Balancer.Client's policies inside grpc-dotnet's channel with grpc-dotnet's own
/// round_robin and pick_first and the oracle, each run K times, interleaved, on fresh servers.
/// </summary>
internal static class GrpcLab
{
    /// <summary>The scenarios of the mode when <c>--scenario</c> is not given.</summary>
    public static IReadOnlyList<ScenarioDefinition> DefaultScenarios { get; } = [Scenarios.OneSlow, Scenarios.Hetero, Scenarios.Kill];

    /// <summary>The prefix of the mode's files in <c>--out</c>, so that they sit next to the HTTP lab's.</summary>
    public const string FilePrefix = "grpc-";

    public static async Task<int> RunAsync(LabOptions options, CancellationToken stopping)
    {
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputDirectory);
        AnsiConsole.MarkupLine($"[bold]Balancer.Client scenario lab, gRPC mode[/] on {Markup.Escape(MachineInfo.Current.ToString())}");
        AnsiConsole.MarkupLine($"Scenarios: {Markup.Escape(string.Join(", ", options.Scenarios.Select(s => s.Name)))}; {options.Repeat} runs per contender of {options.Duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; output to {Markup.Escape(Path.GetFullPath(options.OutputDirectory))}");
        await WarmUpAsync(options).ConfigureAwait(false);
        var reports = new List<ScenarioReport>();
        foreach (var scenario in options.Scenarios)
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            var report = await RunScenarioAsync(scenario, options, stopping).ConfigureAwait(false);
            if (report is null)
            {
                continue;
            }

            reports.Add(report);
            var http = GrpcReport.ReadHttpLab(options.OutputDirectory, scenario.Name);
            var name = scenario.Name;
            await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, $"{FilePrefix}{name}.json"), JsonReport.Write(report), CancellationToken.None).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, $"{FilePrefix}{name}.md"), GrpcReport.Write(report, http), CancellationToken.None).ConfigureAwait(false);
            Charts.WriteLatency(report, Path.Combine(options.OutputDirectory, $"{FilePrefix}{name}-latency.png"), $"gRPC {name}");
            ConsoleReport.Scenario(report);
            AnsiConsole.WriteLine(GrpcReport.RatioTable(report, http));
        }

        var checks = GrpcReport.Check(reports, options.OutputDirectory);
        var summary = GrpcReport.Summary(reports, checks, options, total.Elapsed);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, $"{FilePrefix}summary.md"), summary, CancellationToken.None).ConfigureAwait(false);
        if (checks.Count > 0)
        {
            AnsiConsole.WriteLine();
            AnsiConsole.WriteLine(Targets.ToMarkdown(checks));
        }

        AnsiConsole.MarkupLine($"Done in {total.Elapsed.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture)} min; results in {Markup.Escape(Path.GetFullPath(options.OutputDirectory))}.");
        return 0;
    }

    private static async Task<ScenarioReport?> RunScenarioAsync(ScenarioDefinition scenario, LabOptions options, CancellationToken stopping)
    {
        var plan = LabPlan.Create(scenario, options);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var contenders = GrpcContenderCatalog.For(options.Contenders);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]gRPC {Markup.Escape(scenario.Name)}[/]: {Markup.Escape(scenario.Description)}; {plan.Backends.Count} servers, {plan.OfferedRate.ToString("0", CultureInfo.InvariantCulture)} req/s offered, capacity × {plan.CapacityScale.ToString("0.##", CultureInfo.InvariantCulture)}, service time × {plan.ServiceTimeStretch.ToString("0.###", CultureInfo.InvariantCulture)}{(plan.Timeline.Count > 0 ? $"; timeline: {Markup.Escape(string.Join("; ", plan.Timeline))}" : string.Empty)}");
        var runs = contenders.ToDictionary(c => c.Name, _ => new List<RunResult>(), StringComparer.Ordinal);
        for (var repeat = 1; repeat <= options.Repeat && !stopping.IsCancellationRequested; repeat++)
        {
            foreach (var contender in contenders)
            {
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                var run = await RunOnceAsync(plan, contender, repeat, options.Seed + repeat).ConfigureAwait(false);
                runs[contender.Name].Add(run);
                ConsoleReport.Run(plan, run, options.Repeat);
            }
        }

        var summaries = new List<ContenderSummary>();
        foreach (var contender in contenders)
        {
            var list = runs[contender.Name];
            if (list.Count > 0 && list.All(r => r.Failure is not null))
            {
                skipped[contender.Name] = $"it could not start: {list[0].Failure}";
            }
            else if (list.Count > 0)
            {
                summaries.Add(ContenderSummary.Create(contender.Name, contender.Description, list));
            }
        }

        return summaries.Count == 0 ? null : new ScenarioReport
        {
            Plan = plan,
            Contenders = summaries,
            Skipped = skipped,
            Repeats = summaries.Max(s => s.Runs.Count),
            Machine = MachineInfo.Current,
            Started = started,
            WallTime = clock.Elapsed,
        };
    }

    /// <summary>Runs one contender once on freshly started servers.</summary>
    public static async Task<RunResult> RunOnceAsync(LabPlan plan, GrpcLabContender contender, int repeat, int seed)
    {
        // Start every run from the same state: no garbage from the previous one collected in the middle of this one.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var wall = Stopwatch.StartNew();
        await using var backends = await GrpcLabBackends.StartAsync(plan, seed).ConfigureAwait(false);
        GrpcClients clients;
        try
        {
            clients = contender.Create(new GrpcContenderContext(plan, backends));
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            return new RunResult { Contender = contender.Name, Repeat = repeat, Failure = exception.Message };
        }

        await using (clients.ConfigureAwait(false))
        {
            return await LabRunner.MeasureAsync(plan, contender.Name, repeat, seed, backends, new GrpcLoadTarget(clients.Calls, plan.Timeout), wall).ConfigureAwait(false);
        }
    }

    /// <summary>A short unrecorded run, so that the first measured run does not pay for JIT compilation and pool growth.</summary>
    private static async Task WarmUpAsync(LabOptions options)
    {
        var plan = LabPlan.Create(Scenarios.Uniform, options) with { Duration = TimeSpan.FromSeconds(2), Timeline = [] };
        foreach (var contender in GrpcContenderCatalog.All.Where(c => c.Name is Selection.EndpointSelectorNames.PeakEwma or GrpcDotnetContender.RoundRobinName))
        {
            await RunOnceAsync(plan, contender, 0, options.Seed).ConfigureAwait(false);
        }
    }
}
