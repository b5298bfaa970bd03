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
    public int Next(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);

    /// <summary>Returns a value in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    protected abstract ulong NextUInt64();

    /// <summary>SplitMix64 step: a good 64-bit mix with a single word of state.</summary>
    protected static ulong Mix(ulong state)
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

            state += 0x9E3779B97F4A7C15UL;
            s_threadState = state;
            return Mix(state);
        }
    }

    private sealed class SeededRandomSource(int seed) : RandomSource
    {
        private long _state = seed;

        protected override ulong NextUInt64() => Mix(unchecked((ulong)Interlocked.Add(ref _state, unchecked((long)0x9E3779B97F4A7C15UL))));
    }
}
