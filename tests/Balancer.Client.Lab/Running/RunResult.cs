namespace Balancer.Client.Lab;

/// <summary>What one contender measured in one run of one scenario.</summary>
internal sealed record RunResult
{
    public required string Contender { get; init; }

    public required int Repeat { get; init; }

    /// <summary>Gets why the run could not be done (the contender failed to start), or <see langword="null"/>.</summary>
    public string? Failure { get; init; }

    public long Sent { get; init; }

    public long Succeeded { get; init; }

    public long Status5xx { get; init; }

    public long StatusOther { get; init; }

    public long Timeouts { get; init; }

    public long Refused { get; init; }

    public long Reset { get; init; }

    public long NoEndpoint { get; init; }

    public long OtherErrors { get; init; }

    public long Errors => Status5xx + StatusOther + Timeouts + Refused + Reset + NoEndpoint + OtherErrors;

    public double P50Ms { get; init; }

    public double P90Ms { get; init; }

    public double P99Ms { get; init; }

    public double P999Ms { get; init; }

    public double MaxMs { get; init; }

    public double MeanMs { get; init; }

    public double OfferedRate { get; init; }

    public double SentRate { get; init; }

    /// <summary>Gets the rate of successful answers over the run's duration.</summary>
    public double AchievedRate { get; init; }

    /// <summary>Gets the requests each backend received, as counted by the backend (retries, hedges and proxy retries included).</summary>
    public IReadOnlyList<long> ReceivedByBackend { get; init; } = [];

    /// <summary>Gets the responses that came back from each backend, by their <c>X-Backend</c> header.</summary>
    public IReadOnlyList<long> AnsweredByBackend { get; init; } = [];

    /// <summary>Gets the requests the backends received beyond those sent (refused and endpoint-less ones count as sent), as a share of those sent: hedges and retries.</summary>
    public double ExtraRequestShare { get; init; }

    /// <summary>Gets the share of received requests that went to the scenario's bad backends over the whole run.</summary>
    public double? BadShare { get; init; }

    /// <summary>Gets the same share while the timeline's fault is on.</summary>
    public double? BadShareInFault { get; init; }

    /// <summary>Gets the same share from 2 s after the fault started to its end.</summary>
    public double? BadShareLate { get; init; }

    /// <summary>Gets the requests each backend received (inner) in each 1 s bucket of the run (outer).</summary>
    public IReadOnlyList<IReadOnlyList<long>> ReceivedPerSecond { get; init; } = [];

    /// <summary>Gets the CPU time of the lab process (client, backends, load generator) as a share of all cores, in percent.</summary>
    public double CpuPercent { get; init; }

    /// <summary>Gets the CPU use of the whole machine during the run, in percent of all cores: far above <see cref="CpuPercent"/> means other processes competed.</summary>
    public double MachineCpuPercent { get; init; }

    /// <summary>Gets the 99th percentile of how late requests left against their schedule: large values mean the machine could not keep up.</summary>
    public double DispatchLagP99Ms { get; init; }

    /// <summary>Gets the time the garbage collector paused the lab process during the run.</summary>
    public double GcPauseMs { get; init; }

    public double WallSeconds { get; init; }

    public IReadOnlyDictionary<string, int> ErrorSamples { get; init; } = new Dictionary<string, int>();
}
