using System.IO.Hashing;
using System.Text;

namespace Balancer.Client.Endpoints;

/// <summary>
/// Chooses the stable subset of endpoints one client instance uses (see <see cref="SubsettingOptions"/>).
/// </summary>
/// <remarks>
/// <para>
/// With N endpoints and subset size k there are m = max(1, round(N / k)) instances per round (fewer when there are
/// fewer instances): instance <c>id</c> is slot <c>id % m</c> of round <c>id / m</c>. In each round every endpoint gets
/// a pseudo-random position on [0, 1), the XxHash64 of its normalized address seeded with the round, and the instance
/// of slot i takes the endpoints positioned in [i / m, (i + 1) / m). So within a full round every endpoint belongs to
/// exactly one instance, and the numbers of instances per endpoint differ by at most one (the last round may be
/// partial). Different rounds place endpoints independently, so two instances rarely share much of their subsets.
/// </para>
/// <para>
/// An added or removed endpoint changes the subset of one instance per round (about k / N of all instances) while m
/// stays the same, that is while N stays within [(m − ½)·k, (m + ½)·k). When m changes the slots are cut anew and
/// almost every subset changes. Subset sizes vary around N / m by about its square root; an instance whose range holds
/// fewer than the minimum (a quarter of k, at least 2) extends it clockwise to the next endpoints.
/// </para>
/// <para>
/// The result depends only on the set of addresses, never on their order, the process or the platform (no
/// <see cref="string.GetHashCode()"/>): the same inputs give the same subsets in every instance and every version.
/// Runs only when the endpoint set or the options change, so it allocates freely.
/// </para>
/// </remarks>
internal static class DeterministicSubsetting
{
    /// <summary>Returns the endpoints this instance uses, in their original order; all of them when subsetting is off.</summary>
    /// <exception cref="InvalidOperationException">The options were not validated (no instance id).</exception>
    public static List<EndpointDefinition> Apply(List<EndpointDefinition> definitions, SubsettingOptions? options)
    {
        if (options is not { IsEnabled: true } || definitions.Count == 0)
        {
            return definitions;
        }

        var instanceId = options.ResolveInstanceId(Environment.MachineName)
            ?? throw new InvalidOperationException("Subsetting is on but the instance id is not set; the options were not validated.");
        var keys = definitions.ConvertAll(d => d.Address.AbsoluteUri);
        var chosen = Select(keys, options.SubsetSize!.Value, instanceId, options.InstanceCount);
        var subset = new List<EndpointDefinition>(definitions.Count);
        for (var i = 0; i < definitions.Count; i++)
        {
            if (chosen[i])
            {
                subset.Add(definitions[i]);
            }
        }

        return subset;
    }

    /// <summary>Marks which of <paramref name="keys"/> (normalized addresses) the instance <paramref name="instanceId"/> uses.</summary>
    public static bool[] Select(IReadOnlyList<string> keys, int subsetSize, int instanceId, int instanceCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subsetSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(instanceCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(instanceId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(instanceId, instanceCount);

        var n = keys.Count;
        var chosen = new bool[n];
        var perRound = Math.Min(SlotsPerRound(n, subsetSize), instanceCount);
        if (perRound == 1)
        {
            Array.Fill(chosen, true);
            return chosen;
        }

        // Slot of a position: ⌊position · m / 2^64⌋, exact in integers.
        var round = instanceId / perRound;
        var slot = (ulong)(instanceId % perRound);
        var positions = new ulong[n];
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            positions[i] = Position(keys[i], round);
            if (SlotOf(positions[i], perRound) == slot)
            {
                chosen[i] = true;
                count++;
            }
        }

        var minimum = MinimumSize(subsetSize, n);
        if (count < minimum)
        {
            // Rare: a short range takes the nearest endpoints clockwise after its end (wrapping around).
            var end = (ulong)((((UInt128)(slot + 1) << 64) + (ulong)(perRound - 1)) / (ulong)perRound);
            var next = Enumerable.Range(0, n)
                .Where(i => !chosen[i])
                .OrderBy(i => unchecked(positions[i] - end))
                .ThenBy(i => keys[i], StringComparer.Ordinal)
                .Take(minimum - count);
            foreach (var i in next)
            {
                chosen[i] = true;
            }
        }

        return chosen;
    }

    /// <summary>The number of instances per round, m: N / k rounded to the nearest integer (halves up), at least 1.</summary>
    public static int SlotsPerRound(int endpointCount, int subsetSize) =>
        (int)Math.Max(1, ((2L * endpointCount) + subsetSize) / (2L * subsetSize));

    /// <summary>The fewest endpoints an instance takes: a quarter of the subset size, at least 2 (or 1 when the size is 1), at most all.</summary>
    public static int MinimumSize(int subsetSize, int endpointCount) =>
        (int)Math.Min(endpointCount, Math.Max(Math.Min(subsetSize, 2), (subsetSize + 3L) / 4));

    /// <summary>The position of an endpoint in a round: XxHash64 of the UTF-8 address, seeded with the round.</summary>
    public static ulong Position(string key, int round)
    {
        var maxLength = Encoding.UTF8.GetMaxByteCount(key.Length);
        var buffer = maxLength <= 512 ? stackalloc byte[512] : new byte[maxLength];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        return XxHash64.HashToUInt64(buffer[..length], round);
    }

    private static ulong SlotOf(ulong position, int perRound) => Math.BigMul(position, (ulong)perRound, out _);
}
