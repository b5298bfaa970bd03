using System.Globalization;
using Spectre.Console;

namespace Balancer.Client.Lab;

/// <summary>Prints progress lines and a scenario's table to the console.</summary>
internal static class ConsoleReport
{
    public static void Run(LabPlan plan, RunResult run, int repeats)
    {
        var text = run.Failure is not null
            ? $"failed: {run.Failure}"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {run.P50Ms:0.0} ms, p99 {run.P99Ms:0.0} ms, p99.9 {run.P999Ms:0.0} ms, errors {run.Errors}/{run.Sent}, sent {run.SentRate:0}/{run.OfferedRate:0} req/s, extra {run.ExtraRequestShare * 100:0.0} %, bad share {(run.BadShare is { } b ? (b * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–")}, CPU {run.CpuPercent:0} % (machine {run.MachineCpuPercent:0} %), lag p99 {run.DispatchLagP99Ms:0.0} ms, GC pause {run.GcPauseMs:0} ms, {run.WallSeconds:0.0} s");
        AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(plan.Scenario.Name)} run {run.Repeat}/{repeats}[/] [bold]{Markup.Escape(run.Contender),-22}[/] {Markup.Escape(text)}");
        foreach (var (message, count) in run.ErrorSamples.OrderByDescending(e => e.Value).Take(3))
        {
            AnsiConsole.MarkupLine($"      [grey]{count} × {Markup.Escape(message)}[/]");
        }
    }

    public static void Scenario(ScenarioReport report)
    {
        var plan = report.Plan;
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(plan.Scenario.Name)}[/]: {Markup.Escape(plan.Scenario.Description)} — median [[min–max]] of {report.Repeats} runs");
        table.AddColumns("contender", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "errors", "achieved req/s");
        var bad = plan.BadBackends.Count > 0;
        if (bad)
        {
            table.AddColumn($"share {string.Join("+", plan.BadBackends)} %");
            if (plan.FaultWindow is not null)
            {
                table.AddColumn("… fault+2 s %");
            }
        }

        table.AddColumn("extra %");
        foreach (var c in report.Contenders)
        {
            var cells = new List<string>
            {
                c.Name,
                StatFormat.Ms(c.P50Ms),
                StatFormat.Ms(c.P90Ms),
                StatFormat.Ms(c.P99Ms),
                StatFormat.Ms(c.P999Ms),
                StatFormat.Count(c.Errors),
                $"{StatFormat.Rate(c.AchievedRate)} / {c.OfferedRate.ToString("0", CultureInfo.InvariantCulture)}",
            };
            if (bad)
            {
                cells.Add(StatFormat.Percent(c.BadShare));
                if (plan.FaultWindow is not null)
                {
                    cells.Add(StatFormat.Percent(c.BadShareLate));
                }
            }

            cells.Add(StatFormat.Percent(c.ExtraRequestShare));
            table.AddRow([.. cells.Select(Markup.Escape)]);
        }

        AnsiConsole.Write(table);
        foreach (var (name, reason) in report.Skipped)
        {
            AnsiConsole.MarkupLine($"[yellow]Skipped {Markup.Escape(name)}[/]: {Markup.Escape(reason)}.");
        }
    }
}
