namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// One backend of a scenario as it starts: <see cref="Capacity"/> requests in service at once behind a first-in,
/// first-out queue, service times around <see cref="MeanServiceTime"/> × <see cref="SlowdownFactor"/>, and the faults
/// it shows. The same knobs as <see cref="BackendBehavior"/>, so a scenario can also drive real scripted backends.
/// </summary>
/// <remarks>
/// A request that arrives goes through these steps: if the backend is stopped, the connection is refused; if a stall
/// window is open, the request waits until it closes; then it is reset (<see cref="ResetShare"/>), answered at once with
/// 503 (<see cref="FailureShare"/>) or swallowed (<see cref="BlackHole"/>); otherwise it queues, is served and gets 200.
/// </remarks>
public sealed record SimulatedBackendSpec
{
    /// <summary>Initializes a backend with the given name and default behaviour.</summary>
    /// <param name="name">The name: a host name label (letters, digits, hyphens), unique within the scenario.</param>
    public SimulatedBackendSpec(string name) => Name = name;

    /// <summary>Gets the name, unique within the scenario; the simulated endpoint is <c>http://{name}.sim/</c>.</summary>
    public string Name { get; init; }

    /// <summary>Gets how many requests are in service at once; the others wait in a first-in, first-out queue.</summary>
    /// <value>The default value is 4. Allowed: at least 1.</value>
    public int Capacity { get; init; } = 4;

    /// <summary>Gets the mean time a request spends in service, before the <see cref="SlowdownFactor"/>.</summary>
    /// <value>The default value is 10 milliseconds. Allowed: more than zero.</value>
    public TimeSpan MeanServiceTime { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets how service times spread around the mean.</summary>
    /// <value>The default value is <see cref="ServiceTimeDistribution.Exponential"/>.</value>
    public ServiceTimeDistribution Distribution { get; init; } = ServiceTimeDistribution.Exponential;

    /// <summary>Gets σ of the underlying normal distribution for <see cref="ServiceTimeDistribution.LogNormal"/>.</summary>
    /// <value>The default value is 1. Allowed: 0 to 3.</value>
    public double LogNormalSigma { get; init; } = 1;

    /// <summary>Gets the factor every service time is multiplied by.</summary>
    /// <value>The default value is 1. Allowed: more than 0, up to 1000.</value>
    public double SlowdownFactor { get; init; } = 1;

    /// <summary>Gets the share of requests answered at once with 503 Service Unavailable.</summary>
    /// <value>The default value is 0. Allowed: 0 to 1, together with <see cref="ResetShare"/> at most 1.</value>
    public double FailureShare { get; init; }

    /// <summary>Gets the share of requests whose connection is reset at once, without an answer.</summary>
    /// <value>The default value is 0. Allowed: 0 to 1.</value>
    public double ResetShare { get; init; }

    /// <summary>Gets a value indicating whether requests are accepted and never answered, so that the client times out.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool BlackHole { get; init; }

    /// <summary>
    /// Gets the period of stalls: at every multiple of it since the start, a window of <see cref="StallDuration"/> opens,
    /// and requests arriving during the window wait until it closes (like a long garbage collection pause).
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>: never stall.</value>
    public TimeSpan StallEvery { get; init; }

    /// <summary>Gets how long each stall window of <see cref="StallEvery"/> lasts.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan StallDuration { get; init; }

    /// <summary>
    /// Gets the factors by which the backend's service time differs per request path (see
    /// <see cref="ScenarioDefinition.RequestClasses"/>), on top of <see cref="SlowdownFactor"/>: <c>{ ["/a"] = 0.25 }</c>
    /// serves <c>/a</c> four times faster. Paths not named are served at factor 1.
    /// </summary>
    /// <value>The default value is an empty dictionary. Allowed: factors more than 0, up to 1000.</value>
    public IReadOnlyDictionary<string, double> PathSlowdown { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Gets the requests per second the backend can serve as it starts: <see cref="Capacity"/> ÷ (mean service time × slowdown).</summary>
    public double Throughput => Capacity / (MeanServiceTime.TotalSeconds * SlowdownFactor);

    /// <summary>Adds a description of every invalid setting to <paramref name="errors"/>.</summary>
    internal void Validate(List<string> errors)
    {
        var prefix = $"Backend '{Name}': ";
        if (string.IsNullOrEmpty(Name) || Uri.CheckHostName(Name) != UriHostNameType.Dns || Name.Contains('.', StringComparison.Ordinal))
        {
            errors.Add($"{prefix}Name must be a host name label (letters, digits, hyphens).");
        }

        if (Capacity < 1)
        {
            errors.Add($"{prefix}Capacity must be at least 1 (was {Capacity}).");
        }

        if (MeanServiceTime <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}MeanServiceTime must be more than zero (was {MeanServiceTime}).");
        }

        if (!Enum.IsDefined(Distribution))
        {
            errors.Add($"{prefix}Distribution {Distribution} is not known.");
        }

        Check(errors, prefix, nameof(LogNormalSigma), LogNormalSigma, 0, 3);
        if (!(SlowdownFactor > 0 && SlowdownFactor <= 1000))
        {
            errors.Add($"{prefix}SlowdownFactor must be more than 0 and at most 1000 (was {SlowdownFactor}).");
        }

        Check(errors, prefix, nameof(FailureShare), FailureShare, 0, 1);
        Check(errors, prefix, nameof(ResetShare), ResetShare, 0, 1);
        if (FailureShare + ResetShare > 1)
        {
            errors.Add($"{prefix}FailureShare + ResetShare must be at most 1 (was {FailureShare + ResetShare}).");
        }

        foreach (var (path, factor) in PathSlowdown ?? new Dictionary<string, double>())
        {
            if (!(factor > 0 && factor <= 1000))
            {
                errors.Add($"{prefix}PathSlowdown['{path}'] must be more than 0 and at most 1000 (was {factor}).");
            }
        }

        if (StallEvery < TimeSpan.Zero || StallDuration < TimeSpan.Zero)
        {
            errors.Add($"{prefix}StallEvery and StallDuration must not be negative.");
        }
    }

    /// <summary>The service time factor of requests to <paramref name="path"/>: its <see cref="PathSlowdown"/> entry, or 1.</summary>
    internal double PathFactor(string path) => PathSlowdown is not null && PathSlowdown.TryGetValue(path, out var factor) ? factor : 1;

    internal static void Check(List<string> errors, string prefix, string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            errors.Add($"{prefix}{name} must be between {min} and {max} (was {value}).");
        }
    }
}
