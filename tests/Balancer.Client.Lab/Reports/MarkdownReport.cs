using System.Globalization;
using System.Text;

namespace Balancer.Client.Lab;

/// <summary>Writes a scenario's results as Markdown: the setup, the main table, per-backend shares and the charts.</summary>
internal static class MarkdownReport
{
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;

    public static string Write(ScenarioReport report)
    {
        var plan = report.Plan;
        var scenario = plan.Scenario;
        var builder = new StringBuilder();
        builder.AppendLine(s_culture, $"### {scenario.Name}: {scenario.Description}");
        builder.AppendLine();
        builder.AppendLine(Setup(report));
        builder.AppendLine();
        builder.AppendLine(MainTable(report, plan.BadBackends.Count > 0 ? $"{string.Join("+", plan.BadBackends)}" : null));
        if (report.Skipped.Count > 0)
        {
            builder.AppendLine();
            foreach (var (name, reason) in report.Skipped)
            {
                builder.AppendLine(s_culture, $"Skipped {name}: {reason}.");
            }
        }

        if (plan.Backends.Count <= 16)
        {
            builder.AppendLine();
            builder.AppendLine("Share of the requests each backend received (median across runs, %):");
            builder.AppendLine();
            builder.AppendLine(ShareTable(report));
        }

        builder.AppendLine();
        builder.AppendLine(s_culture, $"![{scenario.Name} latency](./{scenario.Name}-latency.png)");
        builder.AppendLine();
        builder.AppendLine(s_culture, $"![{scenario.Name} share over time](./{scenario.Name}-share.png)");
        return builder.ToString();
    }

    public static string Setup(ScenarioReport report)
    {
        var plan = report.Plan;
        var first = plan.Backends[0];
        var text = new StringBuilder();
        text.Append(s_culture, $"{plan.Backends.Count} scripted Kestrel backends on 127.0.0.1, capacity {first.Capacity}, ");
        text.Append(s_culture, $"{first.Distribution.ToString().ToLowerInvariant()} service time, mean {first.MeanServiceTime.TotalMilliseconds:0.#} ms × slowdown");
        text.Append(s_culture, $" (simulator's capacity × {plan.CapacityScale:0.##}, service time × {plan.ServiceTimeStretch:0.###}, to keep the offered rate under the cap); ");
        text.Append(s_culture, $"{plan.Clients} client instance{(plan.Clients == 1 ? string.Empty : "s")}; ");
        text.Append(s_culture, $"open-loop Poisson arrivals at {plan.OfferedRate:0} req/s (load {plan.Load:0.##}); {plan.Duration.TotalSeconds:0.#} s per run; ");
        text.Append(s_culture, $"timeout {plan.Timeout.TotalSeconds:0.#} s; {report.Repeats} runs per contender, interleaved, fresh backends each run.");
        if (plan.Timeline.Count > 0)
        {
            text.Append(s_culture, $" Timeline (scaled × {plan.TimeScale:0.###}): {string.Join("; ", plan.Timeline)}.");
        }

        text.AppendLine();
        text.AppendLine();
        text.Append(s_culture, $"Machine: {report.Machine}. Measured {report.Started:yyyy-MM-dd HH:mm} UTC, {report.WallTime.TotalMinutes:0.#} min. ");
        text.Append("Values are median [min–max] across runs; latency is from each request's intended send time, over all requests (errors at their time to failure, timeouts at the timeout). ");
        text.Append("Shares are counted by the backends themselves (retries, hedges and proxy retries included). ");
        text.Append("Lab CPU is this process (load generator, clients, backends) as a share of all cores; machine CPU is every process; dispatch lag is how late requests left against their schedule.");
        return text.ToString();
    }

    public static string MainTable(ScenarioReport report, string? badLabel)
    {
        var plan = report.Plan;
        var fault = plan.FaultWindow is not null;
        var builder = new StringBuilder();
        builder.Append("| contender | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | 5xx | timeout | refused | reset | no endpoint | achieved / offered req/s |");
        var alignment = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
        if (badLabel is not null)
        {
            builder.Append(s_culture, $" share of {badLabel} % |");
            alignment += "---:|";
            if (fault)
            {
                builder.Append(" … during fault % | … from fault + 2 s % |");
                alignment += "---:|---:|";
            }
        }

        builder.AppendLine(" extra requests % | lab / machine CPU % | dispatch lag p99 ms |");
        builder.AppendLine(alignment + "---:|---:|---:|");
        foreach (var c in report.Contenders)
        {
            builder.Append(s_culture, $"| {c.Name} | {StatFormat.Ms(c.P50Ms)} | {StatFormat.Ms(c.P90Ms)} | {StatFormat.Ms(c.P99Ms)} | {StatFormat.Ms(c.P999Ms)} | {StatFormat.Ms(c.MaxMs)} ");
            builder.Append(s_culture, $"| {StatFormat.Count(c.Errors)} | {StatFormat.Count(c.Status5xx)} | {StatFormat.Count(c.Timeouts)} | {StatFormat.Count(c.Refused)} | {StatFormat.Count(c.Reset)} | {StatFormat.Count(c.NoEndpoint)} ");
            builder.Append(s_culture, $"| {StatFormat.Rate(c.AchievedRate)} / {c.OfferedRate:0} |");
            if (badLabel is not null)
            {
                builder.Append(s_culture, $" {StatFormat.Percent(c.BadShare)} |");
                if (fault)
                {
                    builder.Append(s_culture, $" {StatFormat.Percent(c.BadShareInFault)} | {StatFormat.Percent(c.BadShareLate)} |");
                }
            }

            builder.AppendLine(s_culture, $" {StatFormat.Percent(c.ExtraRequestShare)} | {StatFormat.Rate(c.CpuPercent)} / {StatFormat.Rate(c.MachineCpuPercent)} | {StatFormat.Ms(c.DispatchLagP99Ms)} |");
        }

        return builder.ToString().TrimEnd();
    }

    public static string ShareTable(ScenarioReport report)
    {
        var names = report.Plan.Backends.Select(b => b.Name).ToArray();
        var builder = new StringBuilder();
        builder.AppendLine(s_culture, $"| contender | {string.Join(" | ", names)} |");
        builder.AppendLine(s_culture, $"|---|{string.Concat(names.Select(_ => "---:|"))}");
        foreach (var c in report.Contenders.Where(c => c.MedianBackendShares.Count == names.Length))
        {
            builder.AppendLine(s_culture, $"| {c.Name} | {string.Join(" | ", c.MedianBackendShares.Select(s => StatFormat.PercentText(s * 100)))} |");
        }

        return builder.ToString().TrimEnd();
    }
}
