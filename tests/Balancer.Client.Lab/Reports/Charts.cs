using System.Globalization;
using Balancer.Client.Selection;
using ScottPlot;
using SkiaSharp;

namespace Balancer.Client.Lab;

/// <summary>
/// The charts of a scenario: latency percentiles per contender as grouped bars on a log scale (median of the runs,
/// with a whisker from the smallest to the largest run), and each backend's share of traffic over time for PeakEwma
/// and RoundRobin (mean of the runs per 1 s bucket), the bad backends in colour and the fault window shaded.
/// </summary>
internal static class Charts
{
    private const int Width = 1400;
    private const int Height = 700;
    private static readonly double[] s_tickValues = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
    private static readonly string[] s_shareContenders = [EndpointSelectorNames.PeakEwma, EndpointSelectorNames.RoundRobin];
    private static readonly Color[] s_percentileColors = [Color.FromHex("#4C72B0"), Color.FromHex("#55A868"), Color.FromHex("#DD8452"), Color.FromHex("#C44E52")];
    private static readonly Color[] s_badColors = [Color.FromHex("#D62728"), Color.FromHex("#FF7F0E"), Color.FromHex("#9467BD")];

    /// <param name="label">The title's name of the scenario, or <see langword="null"/> for its own name.</param>
    public static void WriteLatency(ScenarioReport report, string path, string? label = null)
    {
        var plot = new Plot();
        var contenders = report.Contenders.Where(c => c.P50Ms is not null).ToArray();
        var percentiles = new (string Label, Func<ContenderSummary, Stat?> Get)[]
        {
            ("p50", c => c.P50Ms),
            ("p90", c => c.P90Ms),
            ("p99", c => c.P99Ms),
            ("p99.9", c => c.P999Ms),
        };

        const double barWidth = 0.2;
        var bars = new List<Bar>();
        for (var g = 0; g < contenders.Length; g++)
        {
            for (var p = 0; p < percentiles.Length; p++)
            {
                var stat = percentiles[p].Get(contenders[g])!;
                var x = g + ((p - 1.5) * barWidth);
                bars.Add(new Bar
                {
                    Position = x,
                    Value = Log(stat.Median),
                    ValueBase = 0,
                    Size = barWidth * 0.9,
                    FillColor = s_percentileColors[p],
                    LineWidth = 0,
                });
                if (stat.Max > stat.Min)
                {
                    var whisker = plot.Add.Line(x, Log(stat.Min), x, Log(stat.Max));
                    whisker.LineWidth = 1.5f;
                    whisker.LineColor = Colors.Black.WithAlpha(0.7);
                    whisker.MarkerSize = 0;
                }
            }
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, contenders.Length).Select(i => (double)i)],
            [.. contenders.Select(c => c.Name)]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 140;
        var top = contenders.Length == 0 ? 1 : contenders.Max(c => c.P999Ms!.Max);
        var ticks = s_tickValues.Where(v => v <= Math.Max(10, top * 2)).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. ticks.Select(Log)],
            [.. ticks.Select(v => v.ToString("0", CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimits(-0.6, contenders.Length - 0.4, 0, Log(Math.Max(10, top)) + 0.15);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.YLabel("latency, ms (log scale)");
        plot.Title($"{label ?? report.Plan.Scenario.Name}: latency from intended send time — median of {report.Repeats} runs, whisker = min–max");
        plot.Legend.ManualItems.AddRange(percentiles.Select((p, i) => new LegendItem { LabelText = p.Label, FillColor = s_percentileColors[i] }));
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.ShowLegend();
        plot.SavePng(path, Width, Height);
    }

    public static void WriteShare(ScenarioReport report, string path)
    {
        var panels = s_shareContenders
            .Select(report.Find)
            .Where(c => c is not null && c.MeanSharesOverTime().Length > 0)
            .Select(c => Panel(report, c!))
            .ToArray();
        if (panels.Length == 0)
        {
            return;
        }

        const int panelHeight = 420;
        using var surface = SKSurface.Create(new SKImageInfo(Width, panelHeight * panels.Length));
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Length; i++)
        {
            using var bitmap = SKBitmap.Decode(panels[i].GetImage(Width, panelHeight).GetImageBytes());
            surface.Canvas.DrawBitmap(bitmap, 0, i * panelHeight);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static Plot Panel(ScenarioReport report, ContenderSummary contender)
    {
        var plan = report.Plan;
        var shares = contender.MeanSharesOverTime();
        var plot = new Plot();
        if (plan.FaultWindow is { } fault)
        {
            var span = plot.Add.HorizontalSpan(fault.From.TotalSeconds, fault.To.TotalSeconds);
            span.FillColor = Colors.Gray.WithAlpha(0.15);
            span.LineWidth = 0;
            span.LegendText = "fault window";
        }

        var xs = Enumerable.Range(0, shares.Length).Select(b => b + 0.5).ToArray();
        var fair = 100.0 / plan.Backends.Count;
        var fairLine = plot.Add.HorizontalLine(fair);
        fairLine.LineColor = Colors.Black.WithAlpha(0.5);
        fairLine.LinePattern = LinePattern.Dashed;
        fairLine.LineWidth = 1;
        fairLine.LegendText = "equal share";

        var badIndex = 0;
        var otherLabelled = false;
        for (var i = 0; i < plan.Backends.Count; i++)
        {
            var ys = shares.Select(row => row[i] * 100).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            var bad = plan.BadBackends.Contains(plan.Backends[i].Name, StringComparer.OrdinalIgnoreCase);
            if (bad)
            {
                line.Color = s_badColors[badIndex++ % s_badColors.Length];
                line.LineWidth = 3;
                line.MarkerSize = 6;
                line.LegendText = plan.Backends[i].Name;
            }
            else
            {
                line.Color = Colors.SteelBlue.WithAlpha(0.45);
                line.LineWidth = 1.5f;
                line.MarkerSize = 0;
                if (!otherLabelled)
                {
                    line.LegendText = "other backends";
                    otherLabelled = true;
                }
            }
        }

        var max = shares.Length == 0 ? fair : shares.Max(row => row.Max()) * 100;
        plot.Axes.SetLimits(0, Math.Max(1, shares.Length), 0, Math.Max(fair * 2, max * 1.1));
        plot.XLabel("time since start of run, s (1 s buckets)");
        plot.YLabel("share of requests received, %");
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"{plan.Scenario.Name}: {contender.Name} — share of traffic per backend, mean of {contender.Runs.Count(r => r.Failure is null)} runs"));
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        return plot;
    }

    private static double Log(double ms) => Math.Log10(Math.Max(1, ms));
}
