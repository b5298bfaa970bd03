using Balancer.Client.Feedback;

namespace Balancer.Client.Testing.Simulation;

/// <summary>How the <see cref="Simulator"/> runs scenarios.</summary>
public sealed record SimulationOptions
{
    /// <summary>
    /// Gets the seed of every random choice of a run (arrivals, service times, faults, selectors). Every contender of a
    /// run uses the same seed, so all see the same arrivals; the same seed gives the same results.
    /// </summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; init; } = 1;

    /// <summary>Gets τ of the simulated clients' feedback (as <see cref="BalancerOptions.LatencyDecayTime"/>).</summary>
    /// <value>The default value is the library's default, 10 seconds.</value>
    public TimeSpan LatencyDecayTime { get; init; } = FeedbackConstants.DefaultLatencyDecayTime;

    /// <summary>Gets the width of the intervals of <see cref="ContenderResult.RequestsOverTime"/>.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan ShareInterval { get; init; } = TimeSpan.FromSeconds(1);
}
