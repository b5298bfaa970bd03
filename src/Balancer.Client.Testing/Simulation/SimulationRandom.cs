using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// The simulator's own seeded random numbers (SplitMix64): fast, allocation-free and the same on every .NET version,
/// so that a seed names one run for good. Not thread-safe; each simulated part has its own.
/// </summary>
internal sealed class SimulationRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Derives a seed for one part of a run (arrivals of client 3, service times of backend 7, …) from the run's seed.</summary>
    public static ulong Derive(int seed, int stream, int index) =>
        Mix(Mix(unchecked((ulong)seed) ^ ((ulong)(uint)stream << 32)) ^ (uint)index);

    /// <summary>Derives a 32-bit seed, as the library's seedable selectors take.</summary>
    public static int DeriveInt32(int seed, int stream, int index) => unchecked((int)Derive(seed, stream, index));

    /// <summary>Returns a value in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Returns an exponentially distributed value with mean 1.</summary>
    public double NextExponential() => -Math.Log(1 - NextDouble());

    /// <summary>Draws a service time factor (mean 1) of <paramref name="distribution"/>, as the scripted backends do.</summary>
    public double NextServiceFactor(ServiceTimeDistribution distribution, double sigma) => distribution switch
    {
        ServiceTimeDistribution.Constant => 1,
        ServiceTimeDistribution.Exponential => NextExponential(),

        // exp(N(μ, σ²)) with μ = -σ²/2 has mean 1.
        _ => Math.Exp((sigma * NextStandardNormal()) - (sigma * sigma / 2)),
    };

    private ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Box–Muller: one standard normal sample from two uniform ones.</summary>
    private double NextStandardNormal()
    {
        var u1 = 1 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
