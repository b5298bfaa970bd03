namespace Balancer.Client.Selection;

/// <summary>
/// A fast, allocation-free source of random numbers for selectors. The default is lock-free per thread; a seeded
/// source is deterministic when called from one thread (tests, simulations) and still thread-safe otherwise.
/// </summary>
internal abstract class RandomSource
{
    /// <summary>The lock-free per-thread source, for choices that need no reproducibility.</summary>
    public static RandomSource Shared => ThreadLocalRandomSource.Instance;

    public static RandomSource Create(int? seed) => seed is { } value ? new SeededRandomSource(value) : ThreadLocalRandomSource.Instance;

    /// <summary>Returns a value in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => Scale(NextUInt64(), maxExclusive);

    /// <summary>Returns a value in [0, 1).</summary>
    public double NextDouble() => ToDouble(NextUInt64());

    /// <summary>Returns 64 random bits.</summary>
    public ulong NextBits() => NextUInt64();

    /// <summary>Returns a value in [0, <paramref name="maxExclusive"/>) from the high 32 bits of <paramref name="bits"/>.</summary>
    public static int Scale(ulong bits, int maxExclusive) => (int)(((bits >> 32) * (ulong)maxExclusive) >> 32);

    /// <summary>Returns a value in [0, 1) from the high 53 bits of <paramref name="bits"/>.</summary>
    public static double ToDouble(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    protected abstract ulong NextUInt64();

    /// <summary>SplitMix64's increment of the state per draw (the golden ratio in 64 bits).</summary>
    internal const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>One SplitMix64 draw from a word of state held by the caller: advances it and mixes it.</summary>
    internal static ulong Step(ref ulong state)
    {
        state += Golden;
        return Mix(state);
    }

    /// <summary>SplitMix64 step: a good 64-bit mix with a single word of state.</summary>
    internal static ulong Mix(ulong state)
    {
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private sealed class ThreadLocalRandomSource : RandomSource
    {
        public static readonly ThreadLocalRandomSource Instance = new();

        [ThreadStatic]
        private static ulong s_threadState;

        protected override ulong NextUInt64()
        {
            var state = s_threadState;
            if (state == 0)
            {
                state = (ulong)System.Random.Shared.NextInt64() | 1;
            }

            var bits = Step(ref state);
            s_threadState = state;
            return bits;
        }
    }

    private sealed class SeededRandomSource(int seed) : RandomSource
    {
        private long _state = seed;

        protected override ulong NextUInt64() => Mix(unchecked((ulong)Interlocked.Add(ref _state, unchecked((long)Golden))));
    }
}

/// <summary>
/// A stream of random numbers on the stack for the draws of one pick: seeded with one draw of a
/// <see cref="RandomSource"/> (so a seeded source stays deterministic), then SplitMix64 steps on a local word, which
/// cost about a nanosecond each instead of a thread-static access or an interlocked add per draw.
/// </summary>
internal struct PickRandom(RandomSource source)
{
    private ulong _state = source.NextBits();

    /// <summary>Returns 64 random bits.</summary>
    public ulong NextBits() => RandomSource.Step(ref _state);

    /// <summary>Returns a value in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => RandomSource.Scale(NextBits(), maxExclusive);

    /// <summary>Returns a value in [0, 1).</summary>
    public double NextDouble() => RandomSource.ToDouble(NextBits());
}
