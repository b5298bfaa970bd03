namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// The named scenarios that balancing quality is measured on. Unless a scenario says otherwise, every backend serves
/// 4 requests at once with exponential service times of 10 ms on average (400 requests per second), and clients offer
/// 70% of the backends' total throughput as Poisson arrivals, with a 5 second timeout.
/// </summary>
public static class Scenarios
{
    /// <summary>Gets 10 equal backends: any reasonable selector should do about as well as round robin here.</summary>
    public static ScenarioDefinition Uniform { get; } = new("uniform", Backends(10))
    {
        Description = "10 equal backends",
    };

    /// <summary>Gets 5 backends, one of them (b4) 4× slower: a latency-blind selector overloads it.</summary>
    public static ScenarioDefinition OneSlow { get; } = new("one-slow", Backends(5, (i, b) => i == 4 ? b with { SlowdownFactor = 4 } : b))
    {
        Description = "5 backends, b4 is 4x slower",
        Duration = TimeSpan.FromSeconds(60),
    };

    /// <summary>Gets 16 backends, 2 of them (b14, b15) 16× slower, as in the heterogeneous setups of the Prequal paper.</summary>
    public static ScenarioDefinition Prequal { get; } = new("prequal", Backends(16, (i, b) => i >= 14 ? b with { SlowdownFactor = 16 } : b))
    {
        Description = "16 backends, b14 and b15 are 16x slower",
    };

    /// <summary>Gets 10 backends, one of which (b0) stalls in 2 s windows from 6 s to 12 s of a 20 s run (30% of it).</summary>
    public static ScenarioDefinition Stall { get; } = new("stall", Backends(10))
    {
        Description = "10 backends, b0 stalls in 2 s windows from 6 s to 12 s",
        Duration = TimeSpan.FromSeconds(20),
        Timeline =
        [
            ScenarioChange.Stall(TimeSpan.FromSeconds(6), "b0", TimeSpan.FromSeconds(2)),
            ScenarioChange.Stall(TimeSpan.FromSeconds(8), "b0", TimeSpan.FromSeconds(2)),
            ScenarioChange.Stall(TimeSpan.FromSeconds(10), "b0", TimeSpan.FromSeconds(2)),
        ],
    };

    /// <summary>Gets 10 backends, 2 of which (b8, b9) answer 30% of requests at once with 503.</summary>
    public static ScenarioDefinition Flaky { get; } = new("flaky", Backends(10, (i, b) => i >= 8 ? b with { FailureShare = 0.3 } : b))
    {
        Description = "10 backends, b8 and b9 fail 30% with fast 503s",
    };

    /// <summary>Gets 10 backends, one of which (b9) resets every connection from 10 s to 20 s of the run.</summary>
    public static ScenarioDefinition Reset { get; } = new("reset", Backends(10))
    {
        Description = "10 backends, b9 resets every connection from 10 s to 20 s",
        Timeline = [ScenarioChange.SetResetShare(TimeSpan.FromSeconds(10), "b9", 1), ScenarioChange.SetResetShare(TimeSpan.FromSeconds(20), "b9", 0)],
    };

    /// <summary>Gets 10 backends, one of which (b9) swallows every request from 10 s to 20 s, so that they time out.</summary>
    public static ScenarioDefinition BlackHole { get; } = new("blackhole", Backends(10))
    {
        Description = "10 backends, b9 accepts and never answers from 10 s to 20 s",
        Timeline = [ScenarioChange.SetBlackHole(TimeSpan.FromSeconds(10), "b9"), ScenarioChange.SetBlackHole(TimeSpan.FromSeconds(20), "b9", on: false)],
    };

    /// <summary>Gets 10 backends, one of which (b9) is stopped at 10 s (refusing connections) and started again at 20 s.</summary>
    public static ScenarioDefinition Kill { get; } = new("kill", Backends(10))
    {
        Description = "10 backends, b9 stopped at 10 s and restarted at 20 s",
        Timeline = [ScenarioChange.Stop(TimeSpan.FromSeconds(10), "b9"), ScenarioChange.Start(TimeSpan.FromSeconds(20), "b9")],
    };

    /// <summary>Gets 10 backends whose speeds spread evenly from 0.5× (b0) to 3× (b9).</summary>
    public static ScenarioDefinition Hetero { get; } = new("hetero", Backends(10, (i, b) => b with { SlowdownFactor = 1 / (0.5 + (i * 2.5 / 9)) }))
    {
        Description = "10 backends, speeds from 0.5x (b0) to 3x (b9)",
    };

    /// <summary>Gets the backends of <see cref="Uniform"/> shared by 4 independent client instances, each seeing only its own requests in flight.</summary>
    public static ScenarioDefinition Herd { get; } = new("herd", Backends(10))
    {
        Description = "10 equal backends shared by 4 independent clients",
        Clients = 4,
    };

    /// <summary>Gets 1,000 backends, every 20th 4× slower, shared by 50 independent client instances, for 3 s: the scale test.</summary>
    public static ScenarioDefinition Large { get; } = new("large", Backends(1000, (i, b) => i % 20 == 19 ? b with { SlowdownFactor = 4 } : b))
    {
        Description = "1,000 backends (every 20th 4x slower), 50 independent clients",
        Clients = 50,
        Duration = TimeSpan.FromSeconds(3),
    };

    /// <summary>
    /// Gets 6 backends serving two kinds of request, <c>/a</c> and <c>/b</c> (half each): b0 serves <c>/a</c> 4× faster
    /// than the rest and <c>/b</c> 4× slower, b1 the reverse, b2 to b5 both at the normal speed. A selector that only
    /// sees each endpoint's overall latency cannot tell that b0 is the best place for <c>/a</c>; one that learns per
    /// request class can.
    /// </summary>
    public static ScenarioDefinition RequestClasses { get; } = new("request-classes", Backends(6, (i, b) => i switch
    {
        0 => b with { PathSlowdown = PathFactors(0.25, 4) },
        1 => b with { PathSlowdown = PathFactors(4, 0.25) },
        _ => b,
    }))
    {
        Description = "6 backends, /a and /b half each; b0 is 4x faster on /a and 4x slower on /b, b1 the reverse",
        RequestClasses = [new RequestClass("/a"), new RequestClass("/b")],
    };

    /// <summary>Gets every scenario above, in the order listed.</summary>
    public static IReadOnlyList<ScenarioDefinition> All { get; } = [Uniform, OneSlow, Prequal, Stall, Flaky, Reset, BlackHole, Kill, Hetero, Herd, Large, RequestClasses];

    /// <summary>Returns the scenario named <paramref name="name"/> (case-insensitive), such as <c>one-slow</c>.</summary>
    /// <param name="name">The scenario's name.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="ArgumentException">No scenario has that name.</exception>
    public static ScenarioDefinition Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"'{name}' is not a known scenario; known: {string.Join(", ", All.Select(s => s.Name))}.", nameof(name));
    }

    private static Dictionary<string, double> PathFactors(double a, double b) => new(StringComparer.Ordinal) { ["/a"] = a, ["/b"] = b };

    private static SimulatedBackendSpec[] Backends(int count, Func<int, SimulatedBackendSpec, SimulatedBackendSpec>? customize = null)
    {
        var backends = new SimulatedBackendSpec[count];
        for (var i = 0; i < count; i++)
        {
            var spec = new SimulatedBackendSpec($"b{i}");
            backends[i] = customize is null ? spec : customize(i, spec);
        }

        return backends;
    }
}
