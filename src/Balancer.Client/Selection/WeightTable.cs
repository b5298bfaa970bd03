using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Weighted sampling over one endpoint list: O(1) when all weights are equal; otherwise a guide table narrows the
/// binary search over cumulative weights to one bucket of about the average weight, so O(1) on average whatever the
/// weights (O(log n) at worst). Built once per snapshot and cached by the selectors (see <see cref="SnapshotCache{T}"/>).
/// </summary>
internal sealed class WeightTable : ISnapshotDerived
{
    private readonly int[]? _cumulative;
    private readonly int[]? _guide;
    private readonly int _guideShift;

    public WeightTable(IReadOnlyList<BalancerEndpoint> source)
    {
        Source = source;
        Items = [.. source];
        Stats = new Feedback.EndpointStats[Items.Length];
        InverseWeights = new double[Items.Length];
        var uniform = true;
        var cumulative = new int[Items.Length];
        var total = 0;
        for (var i = 0; i < Items.Length; i++)
        {
            total += Items[i].Weight;
            Stats[i] = Items[i].Stats;
            InverseWeights[i] = Items[i].InverseWeight;
            cumulative[i] = total;
            uniform &= Items[i].Weight == Items[0].Weight;
        }

        TotalWeight = total;
        if (!uniform)
        {
            _cumulative = cumulative;
            (_guide, _guideShift) = BuildGuide(cumulative, total);
        }
    }

    public IReadOnlyList<BalancerEndpoint> Source { get; }

    public BalancerEndpoint[] Items { get; }

    /// <summary>Gets each item's <see cref="BalancerEndpoint.Stats"/>: a selector that prices sampled candidates reads them without touching the endpoints.</summary>
    public Feedback.EndpointStats[] Stats { get; }

    /// <summary>Gets each item's <see cref="BalancerEndpoint.InverseWeight"/>.</summary>
    public double[] InverseWeights { get; }

    public int TotalWeight { get; }

    /// <summary>Returns the index of a weighted random endpoint.</summary>
    public int Sample(RandomSource random) => Sample(random.NextBits());

    /// <summary>Returns the index of a weighted random endpoint, drawn by the random <paramref name="bits"/>.</summary>
    public int Sample(ulong bits)
    {
        if (_cumulative is null)
        {
            return RandomSource.Scale(bits, Items.Length);
        }

        // The endpoint owning the target lies between the owners of its bucket's first target and the next bucket's.
        var target = RandomSource.Scale(bits, TotalWeight);
        var bucket = target >> _guideShift;
        var low = _guide![bucket];
        return UpperBound(_cumulative, target, low, _guide[bucket + 1] - low + 1);
    }

    /// <summary>Returns two distinct weighted random indexes (the same index twice only when there is one endpoint).</summary>
    public (int First, int Second) SampleTwo(RandomSource random)
    {
        var first = Sample(random);
        if (Items.Length == 1)
        {
            return (0, 0);
        }

        if (_cumulative is null)
        {
            // Uniform: pick the second among the other n - 1 directly.
            var offset = random.Next(Items.Length - 1) + 1;
            return (first, (first + offset) % Items.Length);
        }

        for (var attempt = 0; attempt < 4; attempt++)
        {
            var second = Sample(random);
            if (second != first)
            {
                return (first, second);
            }
        }

        // A dominant weight: fall back to a uniform choice among the others.
        var fallback = random.Next(Items.Length - 1) + 1;
        return (first, (first + fallback) % Items.Length);
    }

    /// <summary>Fills <paramref name="picks"/> with distinct weighted random indexes (all of them when it is as long as the list).</summary>
    public void SampleDistinct(RandomSource random, Span<int> picks)
    {
        if (picks.Length >= Items.Length)
        {
            for (var i = 0; i < picks.Length; i++)
            {
                picks[i] = i;
            }

            return;
        }

        for (var j = 0; j < picks.Length; j++)
        {
            var index = Sample(random);
            for (var attempt = 0; attempt < 4 && picks[..j].Contains(index); attempt++)
            {
                index = Sample(random);
            }

            while (picks[..j].Contains(index))
            {
                index = index + 1 == Items.Length ? 0 : index + 1; // a dominant weight: take the next one not yet picked
            }

            picks[j] = index;
        }
    }

    /// <summary>
    /// Buckets of 2^shift targets, with shift chosen so that there are n to 2n buckets; entry b is the endpoint owning
    /// target b × 2^shift (the last target for the final entries).
    /// </summary>
    private static (int[] Guide, int Shift) BuildGuide(int[] cumulative, int total)
    {
        var shift = 0;
        while ((total >> (shift + 1)) >= cumulative.Length)
        {
            shift++;
        }

        var buckets = ((total - 1) >> shift) + 1;
        var guide = new int[buckets + 1];
        var owner = 0;
        for (var b = 0; b <= buckets; b++)
        {
            var first = Math.Min(b << shift, total - 1);
            while (cumulative[owner] <= first)
            {
                owner++;
            }

            guide[b] = owner;
        }

        return (guide, shift);
    }

    /// <summary>
    /// The index of the first cumulative weight above <paramref name="target"/> among the <paramref name="length"/>
    /// entries from <paramref name="first"/>: the endpoint whose range holds it (a target equal to the end of a range
    /// belongs to the next endpoint). Branch-free binary search: each comparison becomes a sign mask (weights are
    /// positive and small, so the subtraction cannot overflow), so a random target costs no branch mispredictions.
    /// </summary>
    private static int UpperBound(int[] cumulative, int target, int first, int length)
    {
        while (length > 1)
        {
            var half = length >> 1;
            first += half & ((cumulative[first + half] - target - 1) >> 31);
            length -= half;
        }

        return first + (int)((uint)(cumulative[first] - target - 1) >> 31);
    }
}
