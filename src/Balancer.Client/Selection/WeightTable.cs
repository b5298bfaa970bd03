using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Weighted sampling over one endpoint list: O(1) when all weights are equal, O(log n) otherwise. Built once per
/// snapshot and cached by the selectors (see <see cref="SnapshotCache{T}"/>).
/// </summary>
internal sealed class WeightTable : ISnapshotDerived
{
    private readonly int[]? _cumulative;

    public WeightTable(IReadOnlyList<BalancerEndpoint> source)
    {
        Source = source;
        Items = [.. source];
        var uniform = true;
        var cumulative = new int[Items.Length];
        var total = 0;
        for (var i = 0; i < Items.Length; i++)
        {
            total += Items[i].Weight;
            cumulative[i] = total;
            uniform &= Items[i].Weight == Items[0].Weight;
        }

        TotalWeight = total;
        _cumulative = uniform ? null : cumulative;
    }

    public IReadOnlyList<BalancerEndpoint> Source { get; }

    public BalancerEndpoint[] Items { get; }

    public int TotalWeight { get; }

    /// <summary>Returns the index of a weighted random endpoint.</summary>
    public int Sample(RandomSource random)
    {
        if (_cumulative is null)
        {
            return random.Next(Items.Length);
        }

        return UpperBound(_cumulative, random.Next(TotalWeight));
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

    /// <summary>
    /// The index of the first cumulative weight above <paramref name="target"/>: the endpoint whose range holds it (a
    /// target equal to the end of a range belongs to the next endpoint). Branch-free binary search: each comparison
    /// becomes a sign mask (weights are positive and small, so the subtraction cannot overflow), so a random target costs
    /// no branch mispredictions.
    /// </summary>
    private static int UpperBound(int[] cumulative, int target)
    {
        var first = 0;
        var length = cumulative.Length;
        while (length > 1)
        {
            var half = length >> 1;
            first += half & ((cumulative[first + half] - target - 1) >> 31);
            length -= half;
        }

        return first + (int)((uint)(cumulative[first] - target - 1) >> 31);
    }
}
