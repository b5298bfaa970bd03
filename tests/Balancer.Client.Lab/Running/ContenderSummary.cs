namespace Balancer.Client.Lab;

/// <summary>The median, smallest and largest value of one metric across the repeats of a contender.</summary>
internal sealed record Stat(double Median, double Min, double Max)
{
    public static Stat? Of(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v.HasValue).Select(v => v!.Value).Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Stat(median, sorted[0], sorted[^1]);
    }
}

/// <summary>A contender's runs of one scenario, summarized as median [min–max] across repeats.</summary>
internal sealed record ContenderSummary
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyList<RunResult> Runs { get; init; }

    public Stat? P50Ms { get; init; }

    public Stat? P90Ms { get; init; }

    public Stat? P99Ms { get; init; }

    public Stat? P999Ms { get; init; }

    public Stat? MaxMs { get; init; }

    public Stat? Errors { get; init; }

    public Stat? ErrorShare { get; init; }

    public Stat? Status5xx { get; init; }

    public Stat? Timeouts { get; init; }

    public Stat? Refused { get; init; }

    public Stat? Reset { get; init; }

    public Stat? NoEndpoint { get; init; }

    public Stat? OtherErrors { get; init; }

    public Stat? AchievedRate { get; init; }

    public Stat? SentRate { get; init; }

    public double OfferedRate { get; init; }

    public Stat? BadShare { get; init; }

    public Stat? BadShareInFault { get; init; }

    public Stat? BadShareLate { get; init; }

    public Stat? ExtraRequestShare { get; init; }

    public Stat? CpuPercent { get; init; }

    public Stat? DispatchLagP99Ms { get; init; }

    public Stat? MachineCpuPercent { get; init; }

    /// <summary>Gets each backend's median share (0 to 1) of the requests the backends received.</summary>
    public IReadOnlyList<double> MedianBackendShares { get; init; } = [];

    public static ContenderSummary Create(LabContender contender, IReadOnlyList<RunResult> runs) =>
        Create(contender.Name, contender.Description, runs);

    public static ContenderSummary Create(string name, string description, IReadOnlyList<RunResult> runs)
    {
        var ok = runs.Where(r => r.Failure is null).ToArray();
        Stat? Of(Func<RunResult, double?> metric) => Stat.Of(ok.Select(metric));
        var backends = ok.Length == 0 ? 0 : ok[0].ReceivedByBackend.Count;
        return new ContenderSummary
        {
            Name = name,
            Description = description,
            Runs = runs,
            P50Ms = Of(r => r.P50Ms),
            P90Ms = Of(r => r.P90Ms),
            P99Ms = Of(r => r.P99Ms),
            P999Ms = Of(r => r.P999Ms),
            MaxMs = Of(r => r.MaxMs),
            Errors = Of(r => r.Errors),
            ErrorShare = Of(r => r.Sent == 0 ? null : (double)r.Errors / r.Sent),
            Status5xx = Of(r => r.Status5xx),
            Timeouts = Of(r => r.Timeouts),
            Refused = Of(r => r.Refused),
            Reset = Of(r => r.Reset),
            NoEndpoint = Of(r => r.NoEndpoint),
            OtherErrors = Of(r => r.OtherErrors + r.StatusOther),
            AchievedRate = Of(r => r.AchievedRate),
            SentRate = Of(r => r.SentRate),
            OfferedRate = ok.Length == 0 ? 0 : ok[0].OfferedRate,
            BadShare = Of(r => r.BadShare),
            BadShareInFault = Of(r => r.BadShareInFault),
            BadShareLate = Of(r => r.BadShareLate),
            ExtraRequestShare = Of(r => r.ExtraRequestShare),
            CpuPercent = Of(r => r.CpuPercent),
            DispatchLagP99Ms = Of(r => r.DispatchLagP99Ms),
            MachineCpuPercent = Of(r => double.IsNaN(r.MachineCpuPercent) ? null : r.MachineCpuPercent),
            MedianBackendShares = [.. Enumerable.Range(0, backends).Select(i => Stat.Of(ok.Select(r =>
            {
                var total = r.ReceivedByBackend.Sum();
                return total == 0 ? (double?)null : (double)r.ReceivedByBackend[i] / total;
            }))?.Median ?? 0)],
        };
    }

    /// <summary>Returns the mean over runs of each backend's share in each 1 s bucket, for the share chart.</summary>
    public double[][] MeanSharesOverTime()
    {
        var ok = Runs.Where(r => r.Failure is null && r.ReceivedPerSecond.Count > 0).ToArray();
        if (ok.Length == 0)
        {
            return [];
        }

        var buckets = ok.Min(r => r.ReceivedPerSecond.Count);
        var backends = ok[0].ReceivedPerSecond[0].Count;
        var result = new double[buckets][];
        for (var b = 0; b < buckets; b++)
        {
            result[b] = new double[backends];
            foreach (var run in ok)
            {
                var row = run.ReceivedPerSecond[b];
                var total = row.Sum();
                for (var i = 0; i < backends; i++)
                {
                    result[b][i] += total == 0 ? 0 : (double)row[i] / total / ok.Length;
                }
            }
        }

        return result;
    }
}

/// <summary>Everything measured in one scenario.</summary>
internal sealed record ScenarioReport
{
    public required LabPlan Plan { get; init; }

    public required IReadOnlyList<ContenderSummary> Contenders { get; init; }

    public required IReadOnlyDictionary<string, string> Skipped { get; init; }

    public required int Repeats { get; init; }

    public required MachineInfo Machine { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required TimeSpan WallTime { get; init; }

    public ContenderSummary? Find(string name) =>
        Contenders.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
