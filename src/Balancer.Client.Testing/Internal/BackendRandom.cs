using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Testing.Internal;

/// <summary>
/// The random choices of one backend: service times and faults. Seeded, it is reproducible for a given order of
/// requests; unseeded, it uses the shared thread-safe source.
/// </summary>
internal sealed class BackendRandom(int? seed)
{
    private readonly Random? _seeded = seed is { } value ? new Random(value) : null;
    private readonly object _lock = new();

    /// <summary>Returns a value in [0, 1).</summary>
    public double NextDouble()
    {
        if (_seeded is null)
        {
            return Random.Shared.NextDouble();
        }

        lock (_lock)
        {
            return _seeded.NextDouble();
        }
    }

    /// <summary>Draws a service time with the given mean.</summary>
    public TimeSpan NextServiceTime(TimeSpan mean, ServiceTimeDistribution distribution, double sigma)
    {
        if (mean <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var factor = distribution switch
        {
            ServiceTimeDistribution.Constant => 1,

            // Inverse transform; 1 - u lies in (0, 1], so the logarithm is finite.
            ServiceTimeDistribution.Exponential => -Math.Log(1 - NextDouble()),

            // exp(N(μ, σ²)) with μ = -σ²/2 has mean 1.
            _ => Math.Exp((sigma * NextStandardNormal()) - (sigma * sigma / 2)),
        };

        return TimeSpan.FromTicks((long)Math.Min(mean.Ticks * factor, TimeSpan.FromHours(1).Ticks));
    }

    /// <summary>Box–Muller: one standard normal sample from two uniform ones.</summary>
    private double NextStandardNormal()
    {
        var u1 = 1 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
