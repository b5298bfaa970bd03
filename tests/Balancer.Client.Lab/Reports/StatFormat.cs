using System.Globalization;

namespace Balancer.Client.Lab;

/// <summary>How the reports print numbers: median [min–max], invariant culture.</summary>
internal static class StatFormat
{
    public static string Ms(Stat? stat) => Format(stat, MsText);

    public static string Count(Stat? stat) => Format(stat, v => v.ToString("0", CultureInfo.InvariantCulture));

    public static string Percent(Stat? stat) => Format(stat, v => PercentText(v * 100));

    public static string Rate(Stat? stat) => stat is null ? "–" : stat.Median.ToString("0", CultureInfo.InvariantCulture);

    public static string MsText(double ms) =>
        ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

    public static string PercentText(double percent) =>
        percent.ToString(percent != 0 && Math.Abs(percent) < 1 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string Format(Stat? stat, Func<double, string> text)
    {
        if (stat is null)
        {
            return "–";
        }

        var median = text(stat.Median);
        var min = text(stat.Min);
        var max = text(stat.Max);
        return min == max ? median : $"{median} [{min}–{max}]";
    }
}
