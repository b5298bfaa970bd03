using Balancer.Client.Testing;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab.Soak;

/// <summary>
/// The fault soak: eight backends under steady load for a bounded time with a scripted mix of faults, the same for
/// every contender. Times are given for a 60 s run and scale with <c>--duration</c>.
/// </summary>
internal static class SoakScenario
{
    public const string Name = "soak";

    /// <summary>The share of requests sent as POSTs, each with a body of its own, to count POSTs that arrived twice.</summary>
    public const double PostShare = 0.2;

    /// <summary>The backend whose fast failures are 429s with a Retry-After (a rate-limited backend).</summary>
    public const string RateLimited = "b6";

    /// <summary>The backend that is killed and restarted on the same port, twice.</summary>
    public const string Crashing = "b3";

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan[] s_restarts = [TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(48)];

    /// <summary>
    /// b0, b1 sound; b2 3x slower throughout; b3 killed at 8 s (back at 20 s) and at 38 s (back at 48 s); b4 answers
    /// everything with 503 for 3 s at 12, 30 and 50 s; b5 a black hole from 24 to 32 s; b6 a 429 storm (Retry-After 3 s)
    /// from 14 to 26 s; b7 stalls for 2 s at 10, 22, 34 and 46 s. Load: 30 % of the total capacity, about 75 % of the
    /// three sound backends', so the rest of the pool has to absorb what a fault takes away.
    /// </summary>
    public static ScenarioDefinition WithFaults { get; } = new(Name, Backends())
    {
        Description = "8 backends, 60 s: two kills and restarts, 503 bursts, a black hole, a 429 storm with Retry-After, stalls, a 3x slower one; endpoints reloaded every second",
        Duration = TimeSpan.FromSeconds(60),
        Load = 0.3,
        Timeline =
        [
            ScenarioChange.Stop(TimeSpan.FromSeconds(8), Crashing),
            ScenarioChange.Start(s_restarts[0], Crashing),
            ScenarioChange.Stop(TimeSpan.FromSeconds(38), Crashing),
            ScenarioChange.Start(s_restarts[1], Crashing),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(12), "b4", 1),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(15), "b4", 0),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(30), "b4", 1),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(33), "b4", 0),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(50), "b4", 1),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(53), "b4", 0),
            ScenarioChange.SetBlackHole(TimeSpan.FromSeconds(24), "b5"),
            ScenarioChange.SetBlackHole(TimeSpan.FromSeconds(32), "b5", on: false),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(14), RateLimited, 1),
            ScenarioChange.SetFailureShare(TimeSpan.FromSeconds(26), RateLimited, 0),
            ScenarioChange.Stall(TimeSpan.FromSeconds(10), "b7", TimeSpan.FromSeconds(2)),
            ScenarioChange.Stall(TimeSpan.FromSeconds(22), "b7", TimeSpan.FromSeconds(2)),
            ScenarioChange.Stall(TimeSpan.FromSeconds(34), "b7", TimeSpan.FromSeconds(2)),
            ScenarioChange.Stall(TimeSpan.FromSeconds(46), "b7", TimeSpan.FromSeconds(2)),
        ],
    };

    /// <summary>The same backends and load without any fault: the tail to compare the soak's with.</summary>
    public static ScenarioDefinition WithoutFaults { get; } = WithFaults with { Name = Name + "-no-faults", Description = "the soak's backends and load, no faults", Timeline = [] };

    /// <summary>Gets when the crashing backend comes back, for a run of the scenario's own length.</summary>
    public static IReadOnlyList<TimeSpan> Restarts => s_restarts;

    /// <summary>What the timeline cannot say: the rate-limited backend's failures are 429s with a Retry-After.</summary>
    public static void Prepare(LabBackends backends)
    {
        var behavior = backends.Backends[backends.IndexOf(RateLimited)].Behavior;
        behavior.FailureStatusCode = 429;
        behavior.RetryAfter = RetryAfter;
    }

    private static SimulatedBackendSpec[] Backends() =>
        [.. Enumerable.Range(0, 8).Select(i => new SimulatedBackendSpec($"b{i}") { SlowdownFactor = i == 2 ? 3 : 1, Distribution = ServiceTimeDistribution.Exponential })];
}
