namespace Balancer.Client.Testing;

/// <summary>
/// How a <see cref="ScriptedBackend"/> answers. Every property is thread-safe and may change while the backend runs;
/// a change applies to requests that arrive afterwards.
/// </summary>
/// <remarks>
/// A request goes through these steps: it waits out a stall window it arrived in (<see cref="StallEvery"/>); then it
/// is reset (<see cref="ResetRate"/>), fails fast with <see cref="FailureStatusCode"/>, 503 by default
/// (<see cref="FailureRate"/>), or is swallowed (<see cref="BlackHole"/>); otherwise it queues for one of
/// <see cref="Capacity"/> service slots, is served for a random service time around <see cref="MeanServiceTime"/> ×
/// <see cref="SlowdownFactor"/>, and is answered with 200.
/// A GET or HEAD to <c>/health</c> skips all of that and is answered at once with <see cref="HealthStatusCode"/>. With
/// <see cref="ReportLoad"/>, every response carries the backend's load in an ORCA <c>endpoint-load-metrics</c> header.
/// </remarks>
public sealed class BackendBehavior
{
    private long _meanServiceTimeTicks = TimeSpan.FromMilliseconds(5).Ticks;
    private int _distribution = (int)ServiceTimeDistribution.Exponential;
    private double _logNormalSigma = 1;
    private double _slowdownFactor = 1;
    private double _failureRate;
    private double _resetRate;
    private long _retryAfterTicks;
    private int _blackHole;
    private long _stallEveryTicks;
    private long _stallDurationTicks;
    private int _capacity = 1000;
    private int _failureStatusCode = 503;
    private int _healthStatusCode = 200;
    private int _reportLoad;
    private double _reportedUtilization = double.NaN;
    private double _reportedRps = double.NaN;
    private IReadOnlyDictionary<string, double>? _pathSlowdown;

    /// <summary>Gets or sets the mean time a request spends in service, before the <see cref="SlowdownFactor"/>.</summary>
    /// <value>The default value is 5 milliseconds. Zero answers at once.</value>
    public TimeSpan MeanServiceTime
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _meanServiceTimeTicks));
        set => Volatile.Write(ref _meanServiceTimeTicks, NotNegative(value).Ticks);
    }

    /// <summary>Gets or sets how service times spread around <see cref="MeanServiceTime"/>.</summary>
    /// <value>The default value is <see cref="ServiceTimeDistribution.Exponential"/>.</value>
    public ServiceTimeDistribution Distribution
    {
        get => (ServiceTimeDistribution)Volatile.Read(ref _distribution);
        set => Volatile.Write(ref _distribution, Enum.IsDefined(value) ? (int)value : throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown distribution."));
    }

    /// <summary>Gets or sets σ of the underlying normal distribution for <see cref="ServiceTimeDistribution.LogNormal"/>; larger is a heavier tail.</summary>
    /// <value>The default value is 1 (the 99th percentile is about six times the mean). Allowed: 0 to 3.</value>
    public double LogNormalSigma
    {
        get => Volatile.Read(ref _logNormalSigma);
        set => Volatile.Write(ref _logNormalSigma, InRange(value, 0, 3));
    }

    /// <summary>Gets or sets the factor every service time is multiplied by, to make a backend slow without changing its distribution.</summary>
    /// <value>The default value is 1. Allowed: 0 to 1000.</value>
    public double SlowdownFactor
    {
        get => Volatile.Read(ref _slowdownFactor);
        set => Volatile.Write(ref _slowdownFactor, InRange(value, 0, 1000));
    }

    /// <summary>Gets or sets the share of requests answered at once with <see cref="FailureStatusCode"/> (503 by default), without queueing (fast failures).</summary>
    /// <value>The default value is 0. Allowed: 0 to 1.</value>
    public double FailureRate
    {
        get => Volatile.Read(ref _failureRate);
        set => Volatile.Write(ref _failureRate, InRange(value, 0, 1));
    }

    /// <summary>
    /// Gets or sets the <c>Retry-After</c> that fast failures (<see cref="FailureRate"/>) carry, sent in whole seconds,
    /// rounded up; <see cref="TimeSpan.Zero"/> sends none.
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan RetryAfter
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _retryAfterTicks));
        set => Volatile.Write(ref _retryAfterTicks, NotNegative(value).Ticks);
    }

    /// <summary>Gets or sets the status code of fast failures (<see cref="FailureRate"/>), such as 429 Too Many Requests to shed load.</summary>
    /// <value>The default value is 503 (Service Unavailable). Allowed: 400 to 599.</value>
    public int FailureStatusCode
    {
        get => Volatile.Read(ref _failureStatusCode);
        set => Volatile.Write(ref _failureStatusCode, value is >= 400 and <= 599 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A failure status code must be from 400 to 599."));
    }

    /// <summary>Gets or sets the share of requests whose connection is aborted without an answer, so that the client sees a reset.</summary>
    /// <value>The default value is 0. Allowed: 0 to 1; drawn before <see cref="FailureRate"/>.</value>
    public double ResetRate
    {
        get => Volatile.Read(ref _resetRate);
        set => Volatile.Write(ref _resetRate, InRange(value, 0, 1));
    }

    /// <summary>
    /// Gets or sets a value indicating whether requests are accepted and never answered, until the client gives up or
    /// the backend stops (which aborts them).
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool BlackHole
    {
        get => Volatile.Read(ref _blackHole) != 0;
        set => Volatile.Write(ref _blackHole, value ? 1 : 0);
    }

    /// <summary>
    /// Gets or sets the period of stalls: at every multiple of it since the backend first started, a window of
    /// <see cref="StallDuration"/> opens, and requests arriving during the window hang until it closes (like a long GC pause).
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>: never stall.</value>
    public TimeSpan StallEvery
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _stallEveryTicks));
        set => Volatile.Write(ref _stallEveryTicks, NotNegative(value).Ticks);
    }

    /// <summary>Gets or sets how long each stall window of <see cref="StallEvery"/> lasts.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan StallDuration
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _stallDurationTicks));
        set => Volatile.Write(ref _stallDurationTicks, NotNegative(value).Ticks);
    }

    /// <summary>
    /// Gets or sets how many requests are in service at once; the others wait in a first-in, first-out queue.
    /// A larger value admits waiting requests as soon as a request finishes.
    /// </summary>
    /// <value>The default value is 1000. Allowed: at least 1.</value>
    public int Capacity
    {
        get => Volatile.Read(ref _capacity);
        set => Volatile.Write(ref _capacity, value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Capacity must be at least 1."));
    }

    /// <summary>
    /// Gets or sets the status code of the answer to a GET or HEAD of <c>/health</c>, as an active health check sends.
    /// Such a request is answered at once, whatever the fault settings, and counts in
    /// <see cref="ScriptedBackend.HealthChecksReceived"/> instead of <see cref="ScriptedBackend.RequestsReceived"/>, so
    /// that probes do not blur the traffic shares of a test.
    /// </summary>
    /// <value>The default value is 200 (OK). Allowed: 200 to 599.</value>
    public int HealthStatusCode
    {
        get => Volatile.Read(ref _healthStatusCode);
        set => Volatile.Write(ref _healthStatusCode, value is >= 200 and <= 599 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A health status code must be from 200 to 599."));
    }

    /// <summary>
    /// Gets or sets a value indicating whether every response reports the backend's load in an ORCA
    /// <c>endpoint-load-metrics</c> header: <c>TEXT cpu_utilization=u, rps_fractional=r, eps=e</c>, where u is
    /// <see cref="ReportedUtilization"/> (or the live share of <see cref="Capacity"/> in service), r is
    /// <see cref="ReportedRps"/> (or the measured recent request rate) and e the measured recent rate of fast failures and resets.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ReportLoad
    {
        get => Volatile.Read(ref _reportLoad) != 0;
        set => Volatile.Write(ref _reportLoad, value ? 1 : 0);
    }

    /// <summary>
    /// Gets or sets a fixed utilization to report (see <see cref="ReportLoad"/>), to script a backend that says it is busy;
    /// <see langword="null"/> reports the live utilization: requests in service ÷ <see cref="Capacity"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>. Allowed: 0 to 100 (utilization may exceed 1).</value>
    public double? ReportedUtilization
    {
        get => ToNullable(Volatile.Read(ref _reportedUtilization));
        set => Volatile.Write(ref _reportedUtilization, value is { } v ? InRange(v, 0, 100) : double.NaN);
    }

    /// <summary>
    /// Gets or sets a fixed request rate (per second) to report (see <see cref="ReportLoad"/>); <see langword="null"/>
    /// reports the rate measured over the last second or so (an exponentially decaying average).
    /// </summary>
    /// <value>The default value is <see langword="null"/>. Allowed: 0 to 1,000,000.</value>
    public double? ReportedRps
    {
        get => ToNullable(Volatile.Read(ref _reportedRps));
        set => Volatile.Write(ref _reportedRps, value is { } v ? InRange(v, 0, 1_000_000) : double.NaN);
    }

    /// <summary>
    /// Gets or sets factors by which the service time differs per request path, on top of <see cref="SlowdownFactor"/>:
    /// <c>{ ["/a"] = 0.25 }</c> serves <c>/a</c> (and <c>/a/…</c>) four times faster. Paths match case-sensitively; a path
    /// not named is served at factor 1. The dictionary is read, never changed: assign a new one to change it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: every path at factor 1. Allowed: factors from 0 to 1000.</value>
    public IReadOnlyDictionary<string, double>? PathSlowdown
    {
        get => Volatile.Read(ref _pathSlowdown);
        set
        {
            foreach (var factor in value?.Values ?? [])
            {
                InRange(factor, 0, 1000);
            }

            Volatile.Write(ref _pathSlowdown, value);
        }
    }

    /// <summary>The <see cref="PathSlowdown"/> factor of <paramref name="path"/>: the entry equal to it or to a leading part of it ending before a '/'.</summary>
    internal double PathFactor(string? path)
    {
        var factors = PathSlowdown;
        if (factors is null || factors.Count == 0 || string.IsNullOrEmpty(path))
        {
            return 1;
        }

        foreach (var (prefix, factor) in factors)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/'))
            {
                return factor;
            }
        }

        return 1;
    }

    private static double? ToNullable(double value) => double.IsNaN(value) ? null : value;

    private static TimeSpan NotNegative(TimeSpan value, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, "The time must not be negative.");

    private static double InRange(double value, double min, double max, [System.Runtime.CompilerServices.CallerMemberName] string name = "") =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"The value must be between {min} and {max}.");
}
