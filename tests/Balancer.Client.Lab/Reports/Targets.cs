using System.Globalization;
using System.Text;
using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>One of the goals the library set itself, checked against medians of the runs.</summary>
internal sealed record TargetCheck(string Scenario, string Target, string Measured, bool? Met);

/// <summary>
/// Checks the lab's targets mechanically, on medians, for the default selector (<see cref="BalancerOptions.Selector"/>):
/// p99 at most 1.15× the oracle's on one-slow, hetero and prequal, p99.9 at most 1.5× on prequal, p99 at most 1.03× on
/// uniform and stall, p99 no worse than any proxy hop that ran (HAProxy, nginx, both YARP policies) on every scenario,
/// and at most 1/3 of round robin's on one-slow and prequal; on stall the stalled backend gets under 5% of traffic from
/// 2 s into the stall; hedging (on PeakEwma) cuts PeakEwma's p99 on stall at least 3× with at most 10% extra requests.
/// A target whose contenders did not run is reported as not measured.
/// </summary>
internal static class Targets
{
    private const string PeakEwma = EndpointSelectorNames.PeakEwma;
    private const string RoundRobin = EndpointSelectorNames.RoundRobin;
    private static readonly string s_default = new BalancerOptions().Selector;
    private static readonly string[] s_proxies = [.. ContenderCatalog.All.OfType<ProxyHopContender>().Select(c => c.Name)];

    public static IReadOnlyList<TargetCheck> Check(IReadOnlyList<ScenarioReport> reports)
    {
        var checks = new List<TargetCheck>();
        foreach (var report in reports)
        {
            var name = report.Plan.Scenario.Name;
            var chosen = report.Find(s_default);
            var p99 = chosen?.P99Ms?.Median;
            var rr = report.Find(RoundRobin)?.P99Ms?.Median;
            var oracle = report.Find(OracleContender.ContenderName);
            var oracleP99 = oracle?.P99Ms?.Median;
            if (name == Scenarios.OneSlow.Name || name == Scenarios.Prequal.Name || name == Scenarios.Hetero.Name)
            {
                checks.Add(Ratio(name, $"{s_default} p99 ≤ 1.15 × Oracle p99", p99, oracleP99, 1.15));
            }

            if (name == Scenarios.Prequal.Name)
            {
                checks.Add(Ratio(name, $"{s_default} p99.9 ≤ 1.5 × Oracle p99.9", chosen?.P999Ms?.Median, oracle?.P999Ms?.Median, 1.5));
            }

            if (name == Scenarios.OneSlow.Name || name == Scenarios.Prequal.Name)
            {
                checks.Add(Ratio(name, $"{s_default} p99 ≤ 1/3 × RoundRobin p99", p99, rr, 1.0 / 3));
            }

            if (name == Scenarios.Uniform.Name || name == Scenarios.Stall.Name)
            {
                checks.Add(Ratio(name, $"{s_default} p99 ≤ 1.03 × Oracle p99", p99, oracleP99, 1.03));
            }

            foreach (var proxy in s_proxies)
            {
                if (report.Find(proxy)?.P99Ms?.Median is { } proxyP99)
                {
                    checks.Add(Ratio(name, $"{s_default} p99 ≤ {proxy} p99", p99, proxyP99, 1));
                }
            }

            if (name == Scenarios.Stall.Name)
            {
                var late = chosen?.BadShareLate?.Median;
                checks.Add(new TargetCheck(
                    name,
                    $"{s_default}: stalled backend < 5% of traffic from 2 s into the stall",
                    late is { } l ? Percent(l) : "not measured",
                    late is { } v ? v < 0.05 : null));
                var ewma = report.Find(PeakEwma)?.P99Ms?.Median;
                var hedged = report.Find(ContenderCatalog.HedgingName);
                var hedgedP99 = hedged?.P99Ms?.Median;
                var extra = hedged?.ExtraRequestShare?.Median;
                checks.Add(Ratio(name, "PeakEwma+Hedging p99 ≤ 1/3 × PeakEwma p99", hedgedP99, ewma, 1.0 / 3));
                checks.Add(new TargetCheck(
                    name,
                    "PeakEwma+Hedging extra requests ≤ 10%",
                    extra is { } e ? Percent(e) : "not measured",
                    extra is { } x ? x <= 0.10 : null));
            }
        }

        return checks;
    }

    public static string ToMarkdown(IReadOnlyList<TargetCheck> checks)
    {
        var builder = new StringBuilder();
        builder.AppendLine("| scenario | target | measured (medians) | met |");
        builder.AppendLine("|---|---|---|---|");
        foreach (var c in checks)
        {
            builder.AppendLine(CultureInfo.InvariantCulture, $"| {c.Scenario} | {c.Target} | {c.Measured} | {(c.Met switch { true => "yes", false => "**no**", null => "–" })} |");
        }

        return builder.ToString().TrimEnd();
    }

    private static TargetCheck Ratio(string scenario, string target, double? value, double? reference, double limit)
    {
        if (value is not { } v || reference is not { } r || r <= 0)
        {
            return new TargetCheck(scenario, target, "not measured", null);
        }

        var ratio = v / r;
        return new TargetCheck(
            scenario,
            target,
            string.Create(CultureInfo.InvariantCulture, $"{StatFormat.MsText(v)} vs {StatFormat.MsText(r)} ms: ratio {ratio:0.00} (limit {limit:0.00})"),
            ratio <= limit);
    }

    private static string Percent(double share) => StatFormat.PercentText(share * 100) + " %";
}
