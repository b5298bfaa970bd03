using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Balancer.Demo;

/// <summary>One selector's run: the client-side measurements and the requests each backend received.</summary>
internal sealed record SelectorResult(string Selector, LoadResult Load, IReadOnlyList<long> Received)
{
    public long TotalReceived => Received.Sum();

    public double Share(int backend) => TotalReceived == 0 ? 0 : (double)Received[backend] / TotalReceived;
}

/// <summary>The final comparison, on the console and as markdown.</summary>
internal sealed class SummaryReport(DemoOptions options, int seed, IReadOnlyList<DemoBackend> backends, IReadOnlyList<SelectorResult> results)
{
    private const string LatencyNote =
        "Latency is measured from each request's scheduled send time (open loop, no coordinated omission), for successful requests; "
        + "errors are 5xx answers, timeouts and connection failures. Rate is the load actually sent. "
        + "Shares are the requests each backend received, counted at the backends.";

    /// <summary>Gets the result with the lowest p99 among runs that completed and served something.</summary>
    public SelectorResult? Best { get; } = results
        .Where(r => !r.Load.Cancelled && r.Load.Succeeded > 0)
        .OrderBy(r => r.Load.P99)
        .FirstOrDefault();

    /// <summary>Gets the one-line description of the load, for captions.</summary>
    public string Caption => Invariant($"{options.Rate:0} req/s for {options.Duration.TotalSeconds:0.#} s per selector, timeout {options.Timeout.TotalSeconds:0.##} s, seed {seed}");

    public void WriteToConsole()
    {
        var caption = Invariant($"[grey]{Caption}[/]");
        var wide = BuildTable(latency: true, shares: true, compact: false).Caption(caption);
        var width = AnsiConsole.Profile.Width;
        if (((IRenderable)wide).Measure(RenderOptions.Create(AnsiConsole.Console), int.MaxValue).Max <= width)
        {
            AnsiConsole.Write(wide);
        }
        else
        {
            // A narrow terminal: latency and shares in two tables, numbers without units so each fits in 80 columns.
            AnsiConsole.Write(BuildTable(latency: true, shares: false, compact: true).Caption(caption));
            AnsiConsole.Write(BuildTable(latency: false, shares: true, compact: true).Caption("[grey]share of requests, counted at the backends[/]"));
        }

        foreach (var line in Findings())
        {
            AnsiConsole.MarkupLine(Invariant($"[grey]•[/] {Markup.Escape(line)}"));
        }

        AnsiConsole.MarkupLine(Invariant($"[grey]{Markup.Escape(LatencyNote)}[/]"));
    }

    private Table BuildTable(bool latency, bool shares, bool compact)
    {
        var table = new Table().Border(TableBorder.Rounded).BorderColor(Color.Grey);
        table.Title(latency ? "[bold]Summary[/]" : "[bold]Where the requests went[/]");
        table.AddColumn(new TableColumn("Selector").NoWrap());
        if (latency)
        {
            var headers = compact
                ? new[] { "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "err %", "req/s" }
                : ["p50", "p90", "p99", "max", "errors", "error rate", "rate/s"];
            foreach (var header in headers)
            {
                table.AddColumn(Numeric(header, compact));
            }
        }

        if (shares)
        {
            foreach (var backend in backends)
            {
                table.AddColumn(Numeric(Invariant($"[{Format.Color(backend.Kind)}]{Markup.Escape(backend.Name)}[/]"), compact));
            }
        }

        foreach (var result in results)
        {
            var load = result.Load;
            var best = ReferenceEquals(result, Best);
            var cells = new List<string> { best ? Invariant($"[bold green]{result.Selector}[/]") : result.Selector + (load.Cancelled ? " [grey](stopped)[/]" : string.Empty) };
            if (latency)
            {
                Func<TimeSpan, string> ms = compact ? Format.MsValue : Format.Ms;
                cells.Add(ms(load.P50));
                cells.Add(ms(load.P90));
                cells.Add(best ? Invariant($"[bold green]{ms(load.P99)} ★[/]") : ms(load.P99));
                cells.Add(ms(load.Max));
                cells.Add(load.Errors == 0 ? "0" : Invariant($"[red]{Format.Count(load.Errors)}[/]"));
                cells.Add(compact ? Format.PercentValue(load.ErrorRate) : Format.Percent(load.ErrorRate));
                cells.Add(Format.Rate(load.AchievedRate));
            }

            if (shares)
            {
                cells.AddRange(backends.Select((b, i) => Format.Percent(result.Share(i))));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    private static TableColumn Numeric(string header, bool compact)
    {
        var column = new TableColumn(header).RightAligned().NoWrap();
        return compact ? column.PadLeft(0).PadRight(1) : column;
    }

    public string ToMarkdown(string? chartFileName)
    {
        var md = new StringBuilder();
        md.AppendLine("# Balancer.Demo summary").AppendLine();
        md.AppendLine(Invariant($"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription.Trim()}"));
        md.AppendLine(Invariant($"- Load: {options.Rate:0} req/s open loop (Poisson arrivals), {options.Duration.TotalSeconds:0.#} s per selector, timeout {options.Timeout.TotalSeconds:0.##} s, seed {seed}"));
        md.AppendLine(Invariant($"- Command: `dotnet run --project samples/Balancer.Demo -- --duration {options.Duration.TotalSeconds:0.#} --rate {options.Rate:0} --timeout {options.Timeout.TotalSeconds:0.##} --backends {backends.Count} --seed {seed} --selectors {string.Join(",", results.Select(r => r.Selector))}`"));
        md.AppendLine();

        md.AppendLine("| Backend | Behavior |").AppendLine("|---|---|");
        foreach (var backend in backends)
        {
            md.AppendLine(Invariant($"| {backend.Name} | {backend.Description} |"));
        }

        md.AppendLine();
        md.Append("| Selector | p50 | p90 | p99 | max | errors | error rate | rate/s |");
        foreach (var backend in backends)
        {
            md.Append(Invariant($" {backend.Name} |"));
        }

        md.AppendLine();
        md.Append("|---|--:|--:|--:|--:|--:|--:|--:|").AppendLine(string.Concat(Enumerable.Repeat("--:|", backends.Count)));
        foreach (var result in results)
        {
            var load = result.Load;
            var best = ReferenceEquals(result, Best);
            var name = best ? Invariant($"**{result.Selector}**") : result.Selector + (load.Cancelled ? " (stopped)" : string.Empty);
            var p99 = best ? Invariant($"**{Format.Ms(load.P99)}**") : Format.Ms(load.P99);
            md.Append(Invariant($"| {name} | {Format.Ms(load.P50)} | {Format.Ms(load.P90)} | {p99} | {Format.Ms(load.Max)} | {Format.Count(load.Errors)} | {Format.Percent(load.ErrorRate)} | {Format.Rate(load.AchievedRate)} |"));
            for (var i = 0; i < backends.Count; i++)
            {
                md.Append(Invariant($" {Format.Percent(result.Share(i))} |"));
            }

            md.AppendLine();
        }

        md.AppendLine();
        foreach (var line in Findings())
        {
            md.AppendLine("- " + line);
        }

        md.AppendLine().AppendLine(LatencyNote);
        if (chartFileName is not null)
        {
            md.AppendLine().AppendLine(Invariant($"![Latency percentiles and request shares per selector]({chartFileName})"));
        }

        return md.ToString();
    }

    /// <summary>The best p99 and how much traffic each selector sent to the slow and the failing backend.</summary>
    private IEnumerable<string> Findings()
    {
        if (Best is null)
        {
            yield break;
        }

        var others = results.Where(r => !ReferenceEquals(r, Best) && !r.Load.Cancelled && r.Load.Succeeded > 0 && Best.Load.P99 > TimeSpan.Zero).ToList();
        var comparison = others.Count == 0
            ? string.Empty
            : "; " + string.Join(", ", others.Select(r => Invariant($"{r.Selector} {Format.Ms(r.Load.P99)} ({r.Load.P99 / Best.Load.P99:0.0}x)")));
        yield return Invariant($"Best p99: {Best.Selector} at {Format.Ms(Best.Load.P99)}{comparison}.");

        var degraded = backends.Select((b, i) => (b, i)).Where(x => x.b.Kind != BackendKind.Normal).ToList();
        if (degraded.Count > 0)
        {
            var names = string.Join(" + ", degraded.Select(x => x.b.Name));
            var fair = (double)degraded.Count / backends.Count;
            yield return Invariant($"Share sent to {names} (an even split is {Format.Percent(fair)}): ")
                + string.Join(", ", results.Select(r => Invariant($"{r.Selector} {Format.Percent(degraded.Sum(x => r.Share(x.i)))}")))
                + ".";
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
