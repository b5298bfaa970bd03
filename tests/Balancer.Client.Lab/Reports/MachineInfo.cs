using System.Globalization;
using System.Runtime.InteropServices;

namespace Balancer.Client.Lab;

/// <summary>The machine a run was measured on, as the reports state it.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, double MemoryGiB, string Runtime, string Os)
{
    public static MachineInfo Current { get; } = Read();

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Cpu}, {Cores} cores, {MemoryGiB:0} GiB RAM, {Runtime}, {Os}");

    private static MachineInfo Read()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadField("/proc/meminfo", "MemTotal") is { } text
            && long.TryParse(text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib)
            ? kib / 1024.0 / 1024.0
            : 0;
        return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription);
    }

    private static string? ReadField(string path, string name)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && string.Equals(line[..colon].Trim(), name, StringComparison.Ordinal))
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
