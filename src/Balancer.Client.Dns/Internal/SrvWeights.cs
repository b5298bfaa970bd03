using Balancer.Client.Endpoints;

namespace Balancer.Client.Dns;

/// <summary>
/// Turns SRV weights (0–65535) into endpoint weights (1–100). Weights only compete within a priority tier (RFC 2782), so
/// each tier is scaled on its own: the largest weight of the tier becomes 100 and the others keep their ratio to it,
/// rounded, at least 1. A weight of 0 becomes 1: a very small share next to weighted records, as RFC 2782 asks, and an
/// equal share when every record of the tier has weight 0.
/// </summary>
internal static class SrvWeights
{
    /// <summary>Returns the endpoint weight of an SRV weight, given the largest SRV weight of the same priority.</summary>
    public static int ToEndpointWeight(int srvWeight, int largestInTier)
    {
        if (srvWeight <= 0 || largestInTier <= 0)
        {
            return BalancerEndpoint.MinWeight;
        }

        var scaled = Math.Round((double)srvWeight * BalancerEndpoint.MaxWeight / largestInTier, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(scaled, BalancerEndpoint.MinWeight, BalancerEndpoint.MaxWeight);
    }

    /// <summary>Returns the endpoint weight of each record, in order.</summary>
    /// <param name="records">The (priority, SRV weight) of each record.</param>
    public static int[] ToEndpointWeights(IReadOnlyList<(int Priority, int Weight)> records)
    {
        var largest = new Dictionary<int, int>();
        foreach (var (priority, weight) in records)
        {
            largest[priority] = Math.Max(largest.GetValueOrDefault(priority), weight);
        }

        var result = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            result[i] = ToEndpointWeight(records[i].Weight, largest[records[i].Priority]);
        }

        return result;
    }
}
