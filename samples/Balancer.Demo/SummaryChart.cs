using System.Globalization;
using System.Security;
using System.Text;

namespace Balancer.Demo;

/// <summary>
/// Draws the summary as a small SVG (no graphics package needed): p50, p90 and p99 per selector on the left, and
/// where each selector sent its requests on the right.
/// </summary>
internal static class SummaryChart
{
    private const double Width = 960;
    private const double Top = 84;
    private const double PlotHeight = 260;
    private const double LatencyLeft = 64;
    private const double LatencyWidth = 400;
    private const double SharesLabelRight = 640;
    private const double SharesLeft = 648;
    private const double SharesWidth = 290;

    private static readonly string[] s_percentileColors = ["#9ecae1", "#4292c6", "#08519c"];
    private static readonly string[] s_normalColors = ["#31a354", "#74c476", "#a1d99b", "#006d2c", "#c7e9c0"];

    public static string Render(IReadOnlyList<DemoBackend> backends, IReadOnlyList<SelectorResult> results, string caption)
    {
        var legendTop = Top + PlotHeight + 70;
        var height = legendTop + 48;
        var svg = new StringBuilder();
        svg.AppendLine(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"Segoe UI, Helvetica, Arial, sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>"));
        Text(svg, 16, 24, "Balancer.Demo: latency and where the requests went", size: 16, weight: "600");
        Text(svg, 16, 42, caption, size: 11, fill: "#555");

        DrawLatency(svg, results);
        DrawShares(svg, backends, results);

        // Legends.
        var x = LatencyLeft;
        string[] percentiles = ["p50", "p90", "p99"];
        for (var i = 0; i < percentiles.Length; i++)
        {
            Swatch(svg, x, legendTop, s_percentileColors[i], percentiles[i]);
            x += 70;
        }

        x = SharesLeft - 128;
        var row = 0;
        for (var i = 0; i < backends.Count; i++)
        {
            if (x > Width - 90)
            {
                x = SharesLeft - 128;
                row++;
            }

            Swatch(svg, x, legendTop + (row * 20), BackendColor(backends, i), backends[i].Name);
            x += 86;
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void DrawLatency(StringBuilder svg, IReadOnlyList<SelectorResult> results)
    {
        var bottom = Top + PlotHeight;
        var maxMs = results.Count == 0 ? 1 : Math.Max(1, results.Max(r => r.Load.P99.TotalMilliseconds));
        var step = NiceStep(maxMs / 5);
        var axisMax = Math.Ceiling(maxMs * 1.08 / step) * step;
        Text(svg, LatencyLeft, Top - 8, "Latency, ms (successful requests)", weight: "600");
        for (var tick = 0.0; tick <= axisMax + (step / 2); tick += step)
        {
            var y = bottom - (tick / axisMax * PlotHeight);
            svg.AppendLine(Invariant($"<line x1=\"{LatencyLeft}\" y1=\"{y:0.#}\" x2=\"{LatencyLeft + LatencyWidth}\" y2=\"{y:0.#}\" stroke=\"#e5e5e5\"/>"));
            Text(svg, LatencyLeft - 6, y + 4, tick.ToString("0.##", CultureInfo.InvariantCulture), anchor: "end", size: 10, fill: "#555");
        }

        svg.AppendLine(Invariant($"<line x1=\"{LatencyLeft}\" y1=\"{bottom}\" x2=\"{LatencyLeft + LatencyWidth}\" y2=\"{bottom}\" stroke=\"#888\"/>"));
        var groupWidth = LatencyWidth / Math.Max(1, results.Count);
        var barWidth = groupWidth * 0.8 / 3;
        for (var g = 0; g < results.Count; g++)
        {
            var load = results[g].Load;
            TimeSpan[] values = [load.P50, load.P90, load.P99];
            var groupLeft = LatencyLeft + (g * groupWidth) + (groupWidth * 0.1);
            for (var b = 0; b < values.Length; b++)
            {
                var barHeight = values[b].TotalMilliseconds / axisMax * PlotHeight;
                var left = groupLeft + (b * barWidth);
                svg.AppendLine(Invariant($"<rect x=\"{left:0.#}\" y=\"{bottom - barHeight:0.#}\" width=\"{barWidth - 1:0.#}\" height=\"{barHeight:0.#}\" fill=\"{s_percentileColors[b]}\"><title>{Escape(results[g].Selector)} p{(b == 0 ? 50 : b == 1 ? 90 : 99)}: {Format.Ms(values[b])}</title></rect>"));
            }

            var p99Left = groupLeft + (2 * barWidth) + (barWidth / 2);
            var p99Top = bottom - (load.P99.TotalMilliseconds / axisMax * PlotHeight);
            Text(svg, p99Left, p99Top - 4, Format.MsValue(load.P99), anchor: "middle", size: 9, fill: "#08519c");
            var labelX = LatencyLeft + (g * groupWidth) + (groupWidth / 2);
            svg.AppendLine(Invariant($"<text x=\"{labelX:0.#}\" y=\"{bottom + 14}\" text-anchor=\"end\" font-size=\"11\" transform=\"rotate(-25 {labelX:0.#} {bottom + 14})\">{Escape(results[g].Selector)}</text>"));
        }
    }

    private static void DrawShares(StringBuilder svg, IReadOnlyList<DemoBackend> backends, IReadOnlyList<SelectorResult> results)
    {
        Text(svg, SharesLabelRight - 120, Top - 8, "Share of requests, counted at the backends", weight: "600");
        var rowHeight = Math.Min(40, PlotHeight / Math.Max(1, results.Count));
        for (var r = 0; r < results.Count; r++)
        {
            var y = Top + (r * rowHeight) + 6;
            var barHeight = rowHeight - 12;
            Text(svg, SharesLabelRight, y + (barHeight / 2) + 4, results[r].Selector, anchor: "end", size: 11);
            var x = SharesLeft;
            for (var i = 0; i < backends.Count; i++)
            {
                var share = results[r].Share(i);
                var width = share * SharesWidth;
                if (width <= 0)
                {
                    continue;
                }

                svg.AppendLine(Invariant($"<rect x=\"{x:0.#}\" y=\"{y:0.#}\" width=\"{width:0.#}\" height=\"{barHeight:0.#}\" fill=\"{BackendColor(backends, i)}\" stroke=\"white\" stroke-width=\"0.5\"><title>{Escape(results[r].Selector)} to {Escape(backends[i].Name)}: {Format.Percent(share)}</title></rect>"));
                if (width >= 30)
                {
                    Text(svg, x + (width / 2), y + (barHeight / 2) + 4, (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%", anchor: "middle", size: 10, fill: "white");
                }

                x += width;
            }
        }
    }

    private static string BackendColor(IReadOnlyList<DemoBackend> backends, int index)
    {
        switch (backends[index].Kind)
        {
            case BackendKind.Slow:
                return "#fd8d3c";
            case BackendKind.Failing:
                return "#de2d26";
            default:
                var normalIndex = backends.Take(index).Count(b => b.Kind == BackendKind.Normal);
                return s_normalColors[normalIndex % s_normalColors.Length];
        }
    }

    private static void Swatch(StringBuilder svg, double x, double y, string color, string label)
    {
        svg.AppendLine(Invariant($"<rect x=\"{x:0.#}\" y=\"{y - 10:0.#}\" width=\"12\" height=\"12\" fill=\"{color}\"/>"));
        Text(svg, x + 16, y, label, size: 11);
    }

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor = "start", double size = 12, string fill = "#222", string weight = "normal") =>
        svg.AppendLine(Invariant($"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"{anchor}\" font-size=\"{size}\" font-weight=\"{weight}\" fill=\"{fill}\">{Escape(text)}</text>"));

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var normalized = rough / magnitude;
        return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
    }

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
