using System.Globalization;

namespace Balancer.Demo;

/// <summary>Formatting shared by the live view, the console summary and the markdown file.</summary>
internal static class Format
{
    public static string Ms(TimeSpan value) => MsValue(value) + " ms";

    /// <summary>Milliseconds without the unit, for columns whose header names it.</summary>
    public static string MsValue(TimeSpan value)
    {
        var ms = value.TotalMilliseconds;
        return ms switch
        {
            < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture),
            < 100 => ms.ToString("0.0", CultureInfo.InvariantCulture),
            _ => ms.ToString("0", CultureInfo.InvariantCulture),
        };
    }

    public static string PercentValue(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture);

    public static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Rate(double perSecond) => perSecond.ToString("0", CultureInfo.InvariantCulture);

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Color(BackendKind kind) => kind switch
    {
        BackendKind.Slow => "yellow",
        BackendKind.Failing => "red",
        _ => "green",
    };
}
