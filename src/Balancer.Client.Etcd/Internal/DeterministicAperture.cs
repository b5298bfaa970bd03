namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Deterministic aperture: the slice of a service's endpoints that one member of a fleet of M clients uses, and the
/// share of its load each endpoint of the slice gets, so that every endpoint receives the same share of the fleet's
/// load even when the number of endpoints N is not a multiple of anything.
/// </summary>
/// <remarks>
/// <para>
/// Clients and endpoints are placed on two rings of circumference 1: member r (its rank in the sorted member ids) at
/// r / M, endpoint j (its rank by address hash) on the arc [j / N, (j + 1) / N). Each member covers the arc
/// [r / M, r / M + W) of the endpoint ring with W = d / M and d = ⌈k · M / N⌉ (at least 1, at most M), k the aperture
/// size asked for: so every point of the endpoint ring is covered by exactly d members, and every endpoint receives
/// exactly 1 / N of the fleet's load when each member spreads its own load over its arc (an endpoint gets the part of
/// its arc the member covers, 0 to 1). A member uses about W · N ≥ k endpoints (two more at most, partly covered at the
/// ends of its arc), and the number of members using an endpoint is within one of d + M / N.
/// </para>
/// <para>
/// A member joining or leaving changes M: every arc moves by less than 1 / M of the ring, so a member's slice changes
/// only at its ends. The endpoint ring is ordered by a hash of the address, not by the address, so that endpoints with
/// neighbouring addresses (one rack, one host) do not fall into the same slices.
/// </para>
/// </remarks>
internal static class DeterministicAperture
{
    /// <summary>Shares below this are rounding noise of the arc arithmetic: 0.</summary>
    private const double Epsilon = 1e-9;

    /// <summary>The number of members covering each point of the endpoint ring: d = ⌈k · M / N⌉, from 1 to M.</summary>
    public static int Depth(int endpointCount, int memberCount, int apertureSize) =>
        (int)Math.Clamp(((long)apertureSize * memberCount + endpointCount - 1) / endpointCount, 1, memberCount);

    /// <summary>
    /// Writes the share of member <paramref name="rank"/> of <paramref name="memberCount"/> for each endpoint, the
    /// endpoints given by their ranks on the endpoint ring (<paramref name="ringIndex"/>[i] is the rank of endpoint i).
    /// </summary>
    public static void Assign(ReadOnlySpan<int> ringIndex, int rank, int memberCount, int apertureSize, Span<double> shares)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memberCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, memberCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(apertureSize, 1);
        var n = ringIndex.Length;
        if (n == 0)
        {
            return;
        }

        var depth = Depth(n, memberCount, apertureSize);
        if (depth >= memberCount)
        {
            shares.Fill(1);
            return;
        }

        var start = (double)rank / memberCount;
        var width = (double)depth / memberCount;
        for (var i = 0; i < n; i++)
        {
            var from = (double)ringIndex[i] / n;
            var to = (double)(ringIndex[i] + 1) / n;

            // The arc [start, start + width) may wrap past 1: it covers the endpoint's arc, or its copy one turn on.
            var covered = Overlap(from, to, start, start + width) + Overlap(from + 1, to + 1, start, start + width);
            var share = covered * n;
            shares[i] = share < Epsilon ? 0 : Math.Min(share, 1);
        }
    }

    /// <summary>The ranks of <paramref name="keys"/> on the endpoint ring: ordered by the XxHash64 of the key, then by the key.</summary>
    public static int[] RingIndex(IReadOnlyList<string> keys)
    {
        var order = Enumerable.Range(0, keys.Count)
            .OrderBy(i => Hash(keys[i]))
            .ThenBy(i => keys[i], StringComparer.Ordinal)
            .ToArray();
        var rank = new int[keys.Count];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        return rank;
    }

    private static ulong Hash(string key) => System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(key));

    private static double Overlap(double a, double b, double c, double d) => Math.Max(0, Math.Min(b, d) - Math.Max(a, c));
}
