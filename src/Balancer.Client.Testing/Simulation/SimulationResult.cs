using System.Globalization;
using System.Text;

namespace Balancer.Client.Testing.Simulation;

/// <summary>The results of all contenders of one scenario run with one seed.</summary>
public sealed record SimulationResult
{
    /// <summary>Gets the scenario that was run.</summary>
    public ScenarioDefinition Scenario { get; internal init; } = null!;

    /// <summary>Gets the seed of the run.</summary>
    public int Seed { get; internal init; }

    /// <summary>Gets one result per contender, in the order they were given.</summary>
    public IReadOnlyList<ContenderResult> Contenders { get; internal init; } = [];

    /// <summary>Gets the wall-clock time the whole run took.</summary>
    public TimeSpan WallTime { get; internal init; }

    /// <summary>Returns the result of the contender named <paramref name="name"/> (case-insensitive).</summary>
    /// <param name="name">The contender's name.</param>
    /// <returns>Its result.</returns>
    /// <exception cref="KeyNotFoundException">No contender has that name.</exception>
    public ContenderResult this[string name] =>
        Contenders.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"No contender named '{name}' ran in scenario '{Scenario.Name}'; ran: {string.Join(", ", Contenders.Select(c => c.Name))}.");

    /// <summary>
    /// Formats the results as a Markdown table: latency percentiles in milliseconds, errors by kind, achieved against
    /// offered rate, and the share of each backend (for up to 16 backends; the smallest and largest share otherwise).
    /// The table holds no wall-clock time, so the same seed gives the same table.
    /// </summary>
    /// <returns>The table, with a heading line naming the scenario.</returns>
    public string ToMarkdownTable()
    {
        var culture = CultureInfo.InvariantCulture;
        var builder = new StringBuilder();
        var backends = Scenario.Backends.Count;
        builder.Append(culture, $"**{Scenario.Name}** ({backends} backends, {Scenario.Clients} client{(Scenario.Clients == 1 ? string.Empty : "s")}, load {Scenario.Load:0.##}, {Scenario.Duration.TotalSeconds:0.##} s, seed {Seed})");
        if (!string.IsNullOrEmpty(Scenario.Description))
        {
            builder.Append(": ").Append(Scenario.Description);
        }

        builder.AppendLine().AppendLine();
        var shares = backends <= 16 ? $"share % ({string.Join(" ", Scenario.Backends.Select(b => b.Name))})" : "share % min–max";
        builder.AppendLine(culture, $"| contender | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms | errors | 503 | refused | reset | timeout | achieved / offered rps | {shares} |");
        builder.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var c in Contenders)
        {
            var l = c.Latency;
            var shareText = backends <= 16
                ? string.Join(" ", c.BackendShares.Select(s => (s * 100).ToString("0.0", culture)))
                : $"{(c.BackendShares.Count == 0 ? 0 : c.BackendShares.Min() * 100).ToString("0.00", culture)}–{(c.BackendShares.Count == 0 ? 0 : c.BackendShares.Max() * 100).ToString("0.00", culture)}";
            builder.AppendLine(culture, $"| {c.Name} | {Ms(l.P50)} | {Ms(l.P90)} | {Ms(l.P99)} | {Ms(l.P999)} | {Ms(l.Max)} | {Ms(l.Mean)} | {c.Errors} | {c.ServiceUnavailable} | {c.ConnectionRefused} | {c.ConnectionReset} | {c.TimedOut} | {c.AchievedRate:0} / {c.OfferedRate:0} | {shareText} |");
        }

        return builder.ToString();
    }

    private static string Ms(TimeSpan value)
    {
        var ms = value.TotalMilliseconds;
        return ms.ToString(ms < 10 ? "0.00" : ms < 100 ? "0.0" : "0", CultureInfo.InvariantCulture);
    }
}
