using System.Globalization;
using System.Text;
using System.Text.Json;
using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab.Grpc;

/// <summary>The HTTP lab's p99 medians of one scenario, read from its <c>&lt;scenario&gt;.json</c>, to set the gRPC figures against.</summary>
internal sealed record HttpLabFigures(string Path, DateTimeOffset Started, IReadOnlyDictionary<string, double> P99Ms)
{
    public double? OracleRatio(string contender) =>
        P99Ms.TryGetValue(contender, out var p99) && P99Ms.TryGetValue(OracleContender.ContenderName, out var oracle) && oracle > 0 ? p99 / oracle : null;
}

/// <summary>
/// The gRPC mode's reports: per scenario p50/p99/p99.9, errors, and p99 as a ratio to grpc-dotnet's round_robin, to
/// the oracle, and the HTTP lab's ratio to its oracle for the same selector; and the mode's goals: p99 within 1.2×
/// the HTTP lab's oracle ratio, and on one-slow at least 5× lower p99 than round_robin.
/// </summary>
internal static class GrpcReport
{
    /// <summary>How much worse than in the HTTP lab a selector's p99 ÷ oracle p99 may be over gRPC.</summary>
    public const double OracleRatioLimit = 1.2;

    /// <summary>How much lower than round_robin's a selector's p99 must be on one-slow.</summary>
    public const double RoundRobinFactor = 5;

    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;
    private static readonly string[] s_ours = [EndpointSelectorNames.PeakEwma, EndpointSelectorNames.PowerOfTwoChoices];

    /// <summary>The HTTP lab's contender that corresponds to a gRPC contender, or <see langword="null"/> when none does.</summary>
    public static string? HttpName(string grpcName) => grpcName switch
    {
        GrpcDotnetContender.RoundRobinName => EndpointSelectorNames.RoundRobin,
        GrpcDotnetContender.PickFirstName => null,
        _ => grpcName,
    };

    /// <summary>Reads the HTTP lab's results of <paramref name="scenario"/> from <paramref name="folder"/>, or returns <see langword="null"/> when it has none.</summary>
    public static HttpLabFigures? ReadHttpLab(string folder, string scenario)
    {
        var path = Path.Combine(folder, $"{scenario}.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var p99 = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (var contender in root.GetProperty("contenders").EnumerateArray())
            {
                if (contender.TryGetProperty("p99Ms", out var stat) && stat.ValueKind == JsonValueKind.Object)
                {
                    p99[contender.GetProperty("name").GetString()!] = stat.GetProperty("median").GetDouble();
                }
            }

            var started = root.TryGetProperty("started", out var s) && s.TryGetDateTimeOffset(out var at) ? at : default;
            return new HttpLabFigures(path, started, p99);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"  note: {path} could not be read as the HTTP lab's results ({exception.Message}); the HTTP comparison is left out.");
            return null;
        }
    }

    public static string Write(ScenarioReport report, HttpLabFigures? http)
    {
        var plan = report.Plan;
        var scenario = plan.Scenario;
        var builder = new StringBuilder();
        builder.AppendLine(s_culture, $"### gRPC {scenario.Name}: {scenario.Description}");
        builder.AppendLine();
        builder.AppendLine(Setup(report, http));
        builder.AppendLine();
        builder.AppendLine(RatioTable(report, http));
        builder.AppendLine();
        builder.AppendLine("Every measure (median [min–max] across runs):");
        builder.AppendLine();
        builder.AppendLine(MarkdownReport.MainTable(report, plan.BadBackends.Count > 0 ? string.Join("+", plan.BadBackends) : null));
        if (plan.Backends.Count <= 16)
        {
            builder.AppendLine();
            builder.AppendLine("Share of the calls each server received (median across runs, %):");
            builder.AppendLine();
            builder.AppendLine(MarkdownReport.ShareTable(report));
        }

        builder.AppendLine();
        builder.AppendLine(s_culture, $"![gRPC {scenario.Name} latency](./{GrpcLab.FilePrefix}{scenario.Name}-latency.png)");
        return builder.ToString();
    }

    /// <summary>p50, p99, p99.9 and errors, with p99 ÷ round_robin, ÷ oracle and the HTTP lab's ÷ oracle for the same selector.</summary>
    public static string RatioTable(ScenarioReport report, HttpLabFigures? http)
    {
        var rr = report.Find(GrpcDotnetContender.RoundRobinName)?.P99Ms?.Median;
        var oracle = report.Find(OracleContender.ContenderName)?.P99Ms?.Median;
        var builder = new StringBuilder();
        builder.AppendLine("| contender | p50 ms | p99 ms | p99.9 ms | errors | p99 ÷ round_robin | p99 ÷ Oracle | HTTP lab p99 ÷ Oracle |");
        builder.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in report.Contenders)
        {
            var p99 = c.P99Ms?.Median;
            var httpName = HttpName(c.Name);
            var httpRatio = httpName is null ? null : http?.OracleRatio(httpName);
            builder.AppendLine(s_culture, $"| {c.Name} | {StatFormat.Ms(c.P50Ms)} | {StatFormat.Ms(c.P99Ms)} | {StatFormat.Ms(c.P999Ms)} | {StatFormat.Count(c.Errors)} | {Ratio(p99, rr)} | {Ratio(p99, oracle)} | {Ratio(httpRatio)} |");
        }

        return builder.ToString().TrimEnd();
    }

    /// <summary>The mode's goals, on medians; a goal whose figures are missing is reported as not measured.</summary>
    public static IReadOnlyList<TargetCheck> Check(IReadOnlyList<ScenarioReport> reports, string folder)
    {
        var checks = new List<TargetCheck>();
        foreach (var report in reports)
        {
            var name = report.Plan.Scenario.Name;
            var http = ReadHttpLab(folder, name);
            var rr = report.Find(GrpcDotnetContender.RoundRobinName)?.P99Ms?.Median;
            var oracle = report.Find(OracleContender.ContenderName)?.P99Ms?.Median;
            foreach (var ours in s_ours)
            {
                var p99 = report.Find(ours)?.P99Ms?.Median;
                if (p99 is null)
                {
                    continue;
                }

                if (name == Scenarios.OneSlow.Name)
                {
                    checks.Add(rr is { } r && r > 0
                        ? new TargetCheck(name, FormattableString.Invariant($"gRPC {ours} p99 ≤ 1/{RoundRobinFactor:0} × round_robin p99"), FormattableString.Invariant($"{StatFormat.MsText(p99.Value)} vs {StatFormat.MsText(r)} ms: {r / p99.Value:0.0}× lower"), p99.Value * RoundRobinFactor <= r)
                        : new TargetCheck(name, FormattableString.Invariant($"gRPC {ours} p99 ≤ 1/{RoundRobinFactor:0} × round_robin p99"), "not measured", null));
                }

                var target = FormattableString.Invariant($"gRPC {ours} p99 ÷ Oracle ≤ {OracleRatioLimit:0.0} × the HTTP lab's");
                var grpcRatio = oracle is { } o && o > 0 ? p99 / o : null;
                var httpRatio = http?.OracleRatio(ours);
                checks.Add(grpcRatio is { } g && httpRatio is { } h
                    ? new TargetCheck(name, target, FormattableString.Invariant($"{g:0.00} vs HTTP {h:0.00}: {g / h:0.00} (limit {OracleRatioLimit:0.00})"), g <= OracleRatioLimit * h)
                    : new TargetCheck(name, target, http is null ? $"not measured (no HTTP lab results in {Path.Combine(folder, name + ".json")})" : "not measured", null));
            }
        }

        return checks;
    }

    public static string Summary(IReadOnlyList<ScenarioReport> reports, IReadOnlyList<TargetCheck> checks, LabOptions options, TimeSpan wall)
    {
        var builder = new StringBuilder();
        builder.AppendLine(s_culture, $"gRPC mode. Machine: {MachineInfo.Current}. Run of {DateTimeOffset.UtcNow:yyyy-MM-dd} UTC, {options.Repeat} runs per contender of {options.Duration.TotalSeconds:0.#} s, wall time {wall.TotalMinutes:0.#} min.");
        builder.AppendLine();
        foreach (var report in reports)
        {
            var plan = report.Plan;
            var http = ReadHttpLab(options.OutputDirectory, plan.Scenario.Name);
            builder.AppendLine(s_culture, $"**gRPC {plan.Scenario.Name}** ({plan.Scenario.Description}; {plan.OfferedRate:0} req/s) — [details](benchmarks/{GrpcLab.FilePrefix}{plan.Scenario.Name}.md), [latency chart](benchmarks/{GrpcLab.FilePrefix}{plan.Scenario.Name}-latency.png)");
            builder.AppendLine();
            builder.AppendLine(RatioTable(report, http));
            builder.AppendLine();
        }

        if (checks.Count > 0)
        {
            builder.AppendLine(Targets.ToMarkdown(checks));
        }

        return builder.ToString();
    }

    private static string Setup(ScenarioReport report, HttpLabFigures? http)
    {
        var plan = report.Plan;
        var first = plan.Backends[0];
        var text = new StringBuilder();
        text.Append(s_culture, $"{plan.Backends.Count} gRPC servers (Grpc.AspNetCore, HTTP/2 without TLS) on 127.0.0.1 with the HTTP lab's capacity model: capacity {first.Capacity}, ");
        text.Append(s_culture, $"{first.Distribution.ToString().ToLowerInvariant()} service time, mean {first.MeanServiceTime.TotalMilliseconds:0.#} ms × slowdown");
        text.Append(s_culture, $" (simulator's capacity × {plan.CapacityScale:0.##}, service time × {plan.ServiceTimeStretch:0.###}); ");
        text.Append(s_culture, $"{plan.Clients} client instance{(plan.Clients == 1 ? string.Empty : "s")}; unary calls; ");
        text.Append(s_culture, $"open-loop Poisson arrivals at {plan.OfferedRate:0} req/s (load {plan.Load:0.##}); {plan.Duration.TotalSeconds:0.#} s per run; ");
        text.Append(s_culture, $"deadline {plan.Timeout.TotalSeconds:0.#} s; {report.Repeats} runs per contender, interleaved, fresh servers each run.");
        if (plan.Timeline.Count > 0)
        {
            text.Append(s_culture, $" Timeline (scaled × {plan.TimeScale:0.###}): {string.Join("; ", plan.Timeline)}.");
        }

        text.AppendLine();
        text.AppendLine();
        text.Append(s_culture, $"Machine: {report.Machine}. Measured {report.Started:yyyy-MM-dd HH:mm} UTC, {report.WallTime.TotalMinutes:0.#} min. ");
        text.Append("Values are median [min–max] across runs; latency is from each call's intended send time, over all calls (errors at their time to failure, deadlines at the deadline). ");
        text.Append("Errors map gRPC statuses onto the HTTP lab's columns: a server's fast UNAVAILABLE is a 5xx, DEADLINE_EXCEEDED a timeout, a refused connection under UNAVAILABLE a refusal, an aborted stream a reset. ");
        text.Append(http is null
            ? "No HTTP lab results of this scenario were found in the output folder, so the HTTP column is empty."
            : string.Create(s_culture, $"The HTTP column is from {Path.GetFileName(http.Path)} (HTTP lab run of {http.Started:yyyy-MM-dd HH:mm} UTC)."));
        return text.ToString();
    }

    private static string Ratio(double? value, double? reference) =>
        value is { } v && reference is { } r && r > 0 ? Ratio(v / r) : "–";

    private static string Ratio(double? ratio) => ratio is { } r ? r.ToString("0.00", s_culture) : "–";
}
