namespace Balancer.Client.Selection;

/// <summary>Defaults of <see cref="LeastLatencySelector"/>.</summary>
internal static class SelectionConstants
{
    /// <summary>
    /// Pools of up to this many endpoints are scanned in full: one client's own in-flight counts keep it from sending a
    /// burst to one endpoint, and no candidate is left out by chance (two random candidates are sometimes both slow).
    /// </summary>
    public const int FullScanLimit = 16;

    /// <summary>Weighted random candidates compared in larger pools (Envoy's <c>choice_count</c>): enough to rarely miss every fast endpoint, few enough for a pick in well under 100 ns.</summary>
    public const int LargePoolCandidates = 8;

    /// <summary>The width of the random factor on each candidate's cost: ±5 %.</summary>
    public const double CostJitter = 0.1;

    /// <summary>The cost of an endpoint without a mean latency and without requests in flight, as a share of the client-wide average latency.</summary>
    public const double UnknownEndpointCostShare = 0.01;
}
