using Balancer.Client.Testing;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>One backend of a scenario as the lab starts it: the simulator's spec with capacity and service time scaled.</summary>
internal sealed record LabBackendPlan(
    string Name,
    int Capacity,
    TimeSpan MeanServiceTime,
    ServiceTimeDistribution Distribution,
    double LogNormalSigma,
    double SlowdownFactor,
    double FailureShare,
    double ResetShare,
    bool BlackHole,
    TimeSpan StallEvery,
    TimeSpan StallDuration,
    IReadOnlyDictionary<string, double> PathSlowdown,
    double MixFactor)
{
    /// <summary>Gets the requests per second it can serve as it starts, for the scenario's mix of request paths.</summary>
    public double Throughput => Capacity / (MeanServiceTime.TotalSeconds * SlowdownFactor * MixFactor);

    public void ApplyTo(BackendBehavior behavior)
    {
        behavior.Capacity = Capacity;
        behavior.MeanServiceTime = MeanServiceTime;
        behavior.Distribution = Distribution;
        behavior.LogNormalSigma = LogNormalSigma;
        behavior.SlowdownFactor = SlowdownFactor;
        behavior.FailureRate = FailureShare;
        behavior.ResetRate = ResetShare;
        behavior.BlackHole = BlackHole;
        behavior.StallEvery = StallEvery;
        behavior.StallDuration = StallDuration;
        behavior.PathSlowdown = PathSlowdown.Count == 0 ? null : PathSlowdown;
    }
}

/// <summary>A span of a run, in time since its start.</summary>
internal sealed record TimeWindow(TimeSpan From, TimeSpan To);

/// <summary>One change of the timeline, at a time scaled to the lab's run length.</summary>
internal sealed record LabChange(TimeSpan At, string Backend, ScenarioChangeKind Kind, double Value, TimeSpan Duration)
{
    public override string ToString() => Kind switch
    {
        ScenarioChangeKind.Stall => FormattableString.Invariant($"{At.TotalSeconds:0.##} s: {Backend} stalls {Duration.TotalSeconds:0.##} s"),
        ScenarioChangeKind.Stop or ScenarioChangeKind.Start => FormattableString.Invariant($"{At.TotalSeconds:0.##} s: {Kind.ToString().ToLowerInvariant()} {Backend}"),
        _ => FormattableString.Invariant($"{At.TotalSeconds:0.##} s: {Backend} {Kind} = {Value}"),
    };
}

/// <summary>
/// A scenario mapped onto real backends on this machine. The offered rate is capped (the load generator, the
/// backends and the client share 2 cores): above the cap, every backend's capacity is scaled down (to at least 1),
/// and if that is not enough, every service time is stretched by the same factor, so the scenario keeps its shape
/// (relative speeds, load fraction) at an absolute rate the machine serves without becoming the bottleneck.
/// The timeline is scaled by run length ÷ the scenario's duration, stall windows included.
/// </summary>
internal sealed record LabPlan
{
    public static readonly TimeSpan MinMeanServiceTime = TimeSpan.FromMilliseconds(5);

    public required ScenarioDefinition Scenario { get; init; }

    public required IReadOnlyList<LabBackendPlan> Backends { get; init; }

    public required IReadOnlyList<LabChange> Timeline { get; init; }

    public required double Load { get; init; }

    public required double OfferedRate { get; init; }

    public required TimeSpan Duration { get; init; }

    public required TimeSpan Timeout { get; init; }

    public required int Clients { get; init; }

    /// <summary>Gets the request paths with their shares; empty when every request asks for the same path.</summary>
    public IReadOnlyList<RequestClass> RequestClasses { get; init; } = [];

    public required double CapacityScale { get; init; }

    public required double ServiceTimeStretch { get; init; }

    public required double TimeScale { get; init; }

    /// <summary>Gets the backends that the scenario makes worse than the rest (slower, failing, or changed by the timeline).</summary>
    public required IReadOnlyList<string> BadBackends { get; init; }

    /// <summary>Gets when the timeline's faults are on, or <see langword="null"/> when the scenario has no timeline.</summary>
    public TimeWindow? FaultWindow { get; init; }

    public static LabPlan Create(ScenarioDefinition scenario, LabOptions options)
    {
        scenario.Validate();
        var load = options.RateFraction ?? scenario.Load;
        var rate = load * scenario.Backends.Sum(scenario.GetThroughput);
        var capacityScale = 1.0;
        var stretch = 1.0;
        if (rate > options.MaxRate)
        {
            var wanted = options.MaxRate / rate;
            var maxCapacity = scenario.Backends.Max(b => b.Capacity);
            var scaledCapacity = Math.Max(1, (int)Math.Floor(maxCapacity * wanted));
            capacityScale = (double)scaledCapacity / maxCapacity;
            var afterCapacity = rate * capacityScale;
            stretch = afterCapacity > options.MaxRate ? afterCapacity / options.MaxRate : 1;
        }

        // Task.Delay on Linux has about 1 ms resolution: keep every effective mean at 5 ms or more.
        var fastest = scenario.Backends.Min(b => b.MeanServiceTime * stretch * b.SlowdownFactor * Math.Min(1, b.PathSlowdown.Values.DefaultIfEmpty(1).Min()));
        if (fastest < MinMeanServiceTime)
        {
            stretch *= MinMeanServiceTime / fastest;
        }

        var backends = scenario.Backends.Select(b => new LabBackendPlan(
            b.Name,
            Math.Max(1, (int)Math.Round(b.Capacity * capacityScale)),
            b.MeanServiceTime * stretch,
            b.Distribution,
            b.LogNormalSigma,
            b.SlowdownFactor,
            b.FailureShare,
            b.ResetShare,
            b.BlackHole,
            b.StallEvery,
            b.StallDuration,
            b.PathSlowdown,
            b.Throughput / scenario.GetThroughput(b))).ToArray();

        var timeScale = options.Duration / scenario.Duration;
        var timeline = scenario.Timeline
            .OrderBy(c => c.At)
            .Select(c => new LabChange(c.At * timeScale, c.Backend, c.Kind, c.Value, c.Duration * timeScale))
            .ToArray();

        return new LabPlan
        {
            Scenario = scenario,
            Backends = backends,
            Timeline = timeline,
            Load = load,
            OfferedRate = load * backends.Sum(b => b.Throughput),
            Duration = options.Duration,
            Timeout = options.Timeout,
            Clients = options.Clients ?? scenario.Clients,
            RequestClasses = scenario.RequestClasses,
            CapacityScale = capacityScale,
            ServiceTimeStretch = stretch,
            TimeScale = timeScale,
            BadBackends = FindBadBackends(scenario),
            FaultWindow = timeline.Length == 0 ? null : new TimeWindow(timeline.Min(c => c.At), timeline.Max(c => c.At + c.Duration)),
        };
    }

    /// <summary>The fastest effective mean service time of any backend: the lab keeps it at 5 ms or more (timer resolution).</summary>
    public TimeSpan FastestMeanServiceTime => Backends.Min(b => b.MeanServiceTime * b.SlowdownFactor * Math.Min(1, b.PathSlowdown.Values.DefaultIfEmpty(1).Min()));

    private static string[] FindBadBackends(ScenarioDefinition scenario)
    {
        var slowest = scenario.Backends.Max(b => b.SlowdownFactor);
        var uniformSpeed = scenario.Backends.All(b => b.SlowdownFactor == slowest);
        return [.. scenario.Backends
            .Where(b => (!uniformSpeed && b.SlowdownFactor == slowest)
                || b.FailureShare > 0
                || b.ResetShare > 0
                || b.BlackHole
                || b.StallEvery > TimeSpan.Zero
                || scenario.Timeline.Any(c => string.Equals(c.Backend, b.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(b => b.Name)];
    }
}
