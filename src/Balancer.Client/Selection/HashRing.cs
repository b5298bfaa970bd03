using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// A consistent-hash ring over one endpoint list (Karger et al.): each endpoint owns
/// <see cref="ConsistentHashConstants.PointsPerWeight"/> × weight points on a 32-bit circle, and a key belongs to the
/// owner of the first point at or after its hash. A point's position depends only on its endpoint's address and its
/// replica number, so adding or removing an endpoint moves only the keys of the points it adds or removes, and the
/// ring is the same in every process and for any order of the list. Built once per snapshot (see
/// <see cref="SnapshotCache{T}"/>); a lookup is O(1) on average: a guide table maps the top bits of the hash to the
/// first point of its bucket, which holds one or two points.
/// </summary>
internal sealed class HashRing : ISnapshotDerived
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private readonly ulong[] _points;
    private readonly int[] _guide;
    private readonly int _shift;

    public HashRing(IReadOnlyList<BalancerEndpoint> source)
    {
        Source = source;

        // Owners are numbered in address order, so that even ties between two points do not depend on the list order.
        Items = [.. source];
        Array.Sort(Items, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        long total = 0;
        foreach (var endpoint in Items)
        {
            total += endpoint.Weight;
        }

        TotalWeight = total;
        var scale = Math.Min(ConsistentHashConstants.PointsPerWeight, (double)ConsistentHashConstants.MaxPoints / Math.Max(total, 1));
        var counts = new int[Items.Length];
        var size = 0;
        for (var i = 0; i < Items.Length; i++)
        {
            counts[i] = Math.Max(1, (int)Math.Round(Items[i].Weight * scale));
            size += counts[i];
        }

        _points = Generate(Items, counts, size);
        Sort(_points);
        (_guide, _shift) = BuildGuide(_points);
    }

    public IReadOnlyList<BalancerEndpoint> Source { get; }

    /// <summary>Gets the endpoints, in address order; point owners index into it.</summary>
    public BalancerEndpoint[] Items { get; }

    public long TotalWeight { get; }

    public int PointCount => _points.Length;

    /// <summary>
    /// The stable 64-bit hash of a key: XXH3-64 over its UTF-16LE code units, seed 0. The same in every process and
    /// version (unlike <see cref="string.GetHashCode()"/>); <paramref name="seed"/> chains several values.
    /// </summary>
    public static ulong Hash(ReadOnlySpan<char> key, ulong seed = 0) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key), unchecked((long)seed));

    /// <summary>The ring position of a key hash: its high 32 bits.</summary>
    public static uint Position(ulong hash) => (uint)(hash >> 32);

    /// <summary>Returns the index of the first point at or after <paramref name="position"/>, wrapping past the top.</summary>
    public int Find(uint position)
    {
        var points = _points;
        var bucket = (int)(position >> _shift);
        var index = _guide[bucket];
        var end = _guide[bucket + 1];
        while (index < end && (uint)(points[index] >> 32) < position)
        {
            index++;
        }

        return index == points.Length ? 0 : index;
    }

    /// <summary>Returns the position of the point at <paramref name="index"/>.</summary>
    public uint PositionAt(int index) => (uint)(_points[index] >> 32);

    /// <summary>Returns the index of the owner of the point at <paramref name="index"/> in <see cref="Items"/>.</summary>
    public int OwnerAt(int index) => (int)(uint)_points[index];

    /// <summary>Returns the endpoint a key hash belongs to when no endpoint is skipped.</summary>
    public BalancerEndpoint Owner(ulong hash) => Items[OwnerAt(Find(Position(hash)))];

    /// <summary>Each point packs its position (high half) and its owner (low half), so that one sort orders both.</summary>
    /// <remarks>The build runs rarely but loops over up to 262,144 points: it is compiled fully optimized at once.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong[] Generate(BalancerEndpoint[] items, int[] counts, int size)
    {
        var points = new ulong[size];
        var next = 0;
        for (var i = 0; i < items.Length; i++)
        {
            var seed = Hash(items[i].Key);
            for (var replica = 1; replica <= counts[i]; replica++)
            {
                points[next++] = (Mix(seed + (Golden * (ulong)replica)) & 0xFFFFFFFF00000000UL) | (uint)i;
            }
        }

        return points;
    }

    /// <summary>
    /// Sorts the points. Large rings use a stable two-pass radix sort on the 32-bit position (O(n), several times faster
    /// than a comparison sort at 160,000 points); the points are generated in owner order, so ties end up ordered by
    /// owner exactly as a plain sort of the packed values orders them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sort(ulong[] points)
    {
        if (points.Length < 1 << 14)
        {
            Array.Sort(points);
            return;
        }

        var buffer = new ulong[points.Length];
        var counts = new int[1 << 16];
        RadixPass(points, buffer, counts, 32);
        Array.Clear(counts);
        RadixPass(buffer, points, counts, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RadixPass(ulong[] from, ulong[] to, int[] counts, int shift)
    {
        foreach (var point in from)
        {
            counts[(int)((point >> shift) & 0xFFFF)]++;
        }

        var offset = 0;
        for (var digit = 0; digit < counts.Length; digit++)
        {
            var count = counts[digit];
            counts[digit] = offset;
            offset += count;
        }

        foreach (var point in from)
        {
            to[counts[(int)((point >> shift) & 0xFFFF)]++] = point;
        }
    }

    /// <summary>SplitMix64's finalizer: spreads the points of one endpoint evenly over the circle.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// 2^bits buckets of the circle, between half and all the number of points; entry b is the index of the first
    /// point at or after b × 2^shift, and a final entry holds the point count.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Guide, int Shift) BuildGuide(ulong[] points)
    {
        var bits = 1;
        while (bits < 30 && (2 << bits) <= points.Length)
        {
            bits++;
        }

        var shift = 32 - bits;
        var buckets = 1 << bits;
        var guide = new int[buckets + 1];
        var index = 0;
        for (var b = 0; b < buckets; b++)
        {
            var start = (ulong)b << shift;
            while (index < points.Length && (points[index] >> 32) < start)
            {
                index++;
            }

            guide[b] = index;
        }

        guide[buckets] = points.Length;
        return (guide, shift);
    }
}
