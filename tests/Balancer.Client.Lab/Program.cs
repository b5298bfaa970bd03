using System.Diagnostics;
using System.Globalization;
using System.Text;
using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;
using Spectre.Console;

namespace Balancer.Client.Lab;

/// <summary>
/// The scenario lab: the simulator's scenarios on real Kestrel backends on 127.0.0.1, every contender run K times,
/// interleaved, on fresh backends; results as console tables, JSON, Markdown and PNG charts.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var errors = new List<string>();
        var options = LabOptions.Parse(args, errors);
        if (options.ShowHelp)
        {
            Console.WriteLine(LabOptions.HelpText);
            return 0;
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine(error);
            }

            return 2;
        }

        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C: finish the current run (so that proxies and backends stop cleanly) and write what was measured.
            e.Cancel = !stopping.IsCancellationRequested;
            stopping.Cancel();
            Console.Error.WriteLine("Stopping after the current run…");
        };

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 220;
        }

        if (options.Soak)
        {
            return await Soak.SoakRunner.RunAsync(options).ConfigureAwait(false);
        }

        if (options.Grpc)
        {
            return await Grpc.GrpcLab.RunAsync(options, stopping.Token).ConfigureAwait(false);
        }

        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputDirectory);
        AnsiConsole.MarkupLine($"[bold]Balancer.Client scenario lab[/] on {Markup.Escape(MachineInfo.Current.ToString())}");
        AnsiConsole.MarkupLine($"Scenarios: {Markup.Escape(string.Join(", ", options.Scenarios.Select(s => s.Name)))}; {options.Repeat} runs per contender of {options.Duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; output to {Markup.Escape(Path.GetFullPath(options.OutputDirectory))}");
        foreach (var proxy in new[] { ProxyContender.Haproxy, ProxyContender.Nginx }.Where(p => p.UnavailableReason is not null))
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(proxy.Name)} will be skipped[/]: {Markup.Escape(proxy.UnavailableReason!)}.");
        }

        await WarmUpAsync(options).ConfigureAwait(false);
        var reports = new List<ScenarioReport>();
        foreach (var scenario in options.Scenarios)
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            var report = await RunScenarioAsync(scenario, options, stopping.Token).ConfigureAwait(false);
            if (report is null)
            {
                continue;
            }

            reports.Add(report);
            await WriteAsync(report, options.OutputDirectory).ConfigureAwait(false);
            ConsoleReport.Scenario(report);
        }

        var checks = Targets.Check(reports);
        var summary = Summary(reports, checks, options, total.Elapsed);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "lab-summary.md"), summary).ConfigureAwait(false);
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
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        var contenders = new List<LabContender>();
        foreach (var contender in ContenderCatalog.For(scenario, options.Contenders))
        {
            if (contender.UnavailableReason is { } reason)
            {
                skipped[contender.Name] = reason;
            }
            else
            {
                contenders.Add(contender);
            }
        }

        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(scenario.Name)}[/]: {Markup.Escape(scenario.Description)}; {plan.Backends.Count} backends, {plan.Clients} client instance{(plan.Clients == 1 ? string.Empty : "s")}, {plan.OfferedRate.ToString("0", CultureInfo.InvariantCulture)} req/s offered, capacity × {plan.CapacityScale.ToString("0.##", CultureInfo.InvariantCulture)}, service time × {plan.ServiceTimeStretch.ToString("0.###", CultureInfo.InvariantCulture)}{(plan.Timeline.Count > 0 ? $"; timeline: {Markup.Escape(string.Join("; ", plan.Timeline))}" : string.Empty)}");
        var runs = contenders.ToDictionary(c => c.Name, _ => new List<RunResult>(), StringComparer.Ordinal);
        for (var repeat = 1; repeat <= options.Repeat && !stopping.IsCancellationRequested; repeat++)
        {
            foreach (var contender in contenders)
            {
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                var run = await LabRunner.RunAsync(plan, contender, repeat, options.Seed + repeat).ConfigureAwait(false);
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
                summaries.Add(ContenderSummary.Create(contender, list));
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

    private static async Task WriteAsync(ScenarioReport report, string folder)
    {
        var name = report.Plan.Scenario.Name;
        await File.WriteAllTextAsync(Path.Combine(folder, $"{name}.json"), JsonReport.Write(report)).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, $"{name}.md"), MarkdownReport.Write(report)).ConfigureAwait(false);
        Charts.WriteLatency(report, Path.Combine(folder, $"{name}-latency.png"));
        Charts.WriteShare(report, Path.Combine(folder, $"{name}-share.png"));
    }

    /// <summary>A short unrecorded run, so that the first measured run does not pay for JIT compilation and pool growth.</summary>
    private static async Task WarmUpAsync(LabOptions options)
    {
        var plan = LabPlan.Create(Scenarios.Uniform, options) with { Duration = TimeSpan.FromSeconds(2), Timeline = [] };
        foreach (var contender in ContenderCatalog.All.Where(c => c.UnavailableReason is null && c.Name is EndpointSelectorNames.PeakEwma or ServiceDiscoveryContender.ContenderName))
        {
            await LabRunner.RunAsync(plan, contender, 0, options.Seed).ConfigureAwait(false);
        }
    }

    private static string Summary(IReadOnlyList<ScenarioReport> reports, IReadOnlyList<TargetCheck> checks, LabOptions options, TimeSpan wall)
    {
        var culture = CultureInfo.InvariantCulture;
        var builder = new StringBuilder();
        builder.AppendLine(culture, $"Machine: {MachineInfo.Current}. Run of {DateTimeOffset.UtcNow:yyyy-MM-dd} UTC, {options.Repeat} runs per contender of {options.Duration.TotalSeconds:0.#} s, wall time {wall.TotalMinutes:0.#} min.");
        builder.AppendLine();
        foreach (var report in reports)
        {
            var plan = report.Plan;
            var badLabel = plan.BadBackends.Count == 0 ? null : string.Join("+", plan.BadBackends);
            builder.AppendLine(culture, $"**{plan.Scenario.Name}** ({plan.Scenario.Description}; {plan.OfferedRate:0} req/s) — [details](benchmarks/{plan.Scenario.Name}.md), [latency chart](benchmarks/{plan.Scenario.Name}-latency.png), [share chart](benchmarks/{plan.Scenario.Name}-share.png)");
            builder.AppendLine();
            var fault = plan.FaultWindow is not null;
            builder.Append("| contender | p50 ms | p99 ms | errors |");
            var alignment = "|---|---:|---:|---:|";
            if (badLabel is not null)
            {
                builder.Append(culture, $" share of {badLabel} % |");
                alignment += "---:|";
                if (fault)
                {
                    builder.Append(" … from fault + 2 s % |");
                    alignment += "---:|";
                }
            }

            builder.AppendLine();
            builder.AppendLine(alignment);
            foreach (var c in report.Contenders)
            {
                builder.Append(culture, $"| {c.Name} | {StatFormat.Ms(c.P50Ms)} | {StatFormat.Ms(c.P99Ms)} | {StatFormat.Count(c.Errors)} |");
                if (badLabel is not null)
                {
                    builder.Append(culture, $" {StatFormat.Percent(c.BadShare)} |");
                    if (fault)
                    {
                        builder.Append(culture, $" {StatFormat.Percent(c.BadShareLate)} |");
                    }
                }

                builder.AppendLine();
            }

            foreach (var (name, reason) in report.Skipped)
            {
                builder.AppendLine();
                builder.AppendLine(culture, $"Skipped {name}: {reason}.");
            }

            builder.AppendLine();
        }

        if (checks.Count > 0)
        {
            builder.AppendLine(Targets.ToMarkdown(checks));
        }

        return builder.ToString();
    }
}
