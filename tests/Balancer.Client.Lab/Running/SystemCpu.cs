using System.Globalization;

namespace Balancer.Client.Lab;

/// <summary>
/// The whole machine's CPU use from <c>/proc/stat</c>, so that a run can show whether other processes competed with
/// the lab for the cores (the lab's numbers are only as quiet as the machine).
/// </summary>
internal readonly record struct SystemCpu(long Busy, long Total)
{
    public static SystemCpu Read()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            var total = fields.Take(8).Sum();
            return new SystemCpu(total - idle, total);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>Returns the share of all cores that were busy between <paramref name="before"/> and this reading, in percent (NaN when unknown).</summary>
    public double PercentSince(SystemCpu before) =>
        Total > before.Total ? (Busy - before.Busy) * 100.0 / (Total - before.Total) : double.NaN;
}
