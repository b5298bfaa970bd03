namespace Balancer.Client.Selection;

/// <summary>Defaults of <see cref="LeastLatencySelector"/> and the parameters of <see cref="FailurePenalty"/>.</summary>
internal static class SelectionConstants
{
    /// <summary>
    /// Pools of up to this many endpoints are scanned in full: one client's own in-flight counts keep it from sending a
    /// burst to one endpoint, and no candidate is left out by chance (two random candidates are sometimes both slow).
    /// </summary>
    public const int FullScanLimit = 16;

    /// <summary>
    /// How much LeastLatency's load factor rises from no request in flight to the endpoint's usual number (then it rises
    /// as a queue): a tenth, which exceeds the jitter's spread for one request of difference at a usual load of one or
    /// two, so that among endpoints of the same mean the one with fewer requests in flight wins.
    /// </summary>
    public const double InFlightTieBreak = 0.1;

    /// <summary>The width of the random factor on each candidate's cost: ±5 %.</summary>
    public const double CostJitter = 0.1;

    /// <summary>
    /// In a fully scanned pool, an endpoint whose record is older than this share of the decay time τ (5 s by default)
    /// and that has no request of this client in flight is stale: see <see cref="RefreshShare"/>.
    /// </summary>
    public const double StaleRecordAge = 0.5;

    /// <summary>
    /// The share of picks that go to the stalest endpoint, when there is one, whatever its cost: its record is refreshed
    /// instead of an endpoint that once looked bad (cold first requests, a burst of timeouts) waiting up to several τ for
    /// its record to age out. A share of the client's own picks, so a fleet of clients together sends the same share
    /// (1 in 2,000, under the 0.1 % that p99.9 sees) however many instances it has.
    /// </summary>
    public const double RefreshShare = 1.0 / 2000;

    /// <summary>The cost of an endpoint without a mean latency and without requests in flight, as a share of the client-wide average latency.</summary>
    public const double UnknownEndpointCostShare = 0.01;

    /// <summary>Cost factor per unit of failure rate: a failure rate of p multiplies the cost by 1 + this × p.</summary>
    public const double FailureRatePenalty = 10;

    /// <summary>Consecutive failures double the cost each, up to 2 to this power.</summary>
    public const int MaxConsecutiveFailurePenaltyExponent = 10;

    /// <summary>The failure rate's weight in the failure penalty fades with a time constant of τ divided by this (1 s for the default τ).</summary>
    public const double FailureFadeDivisor = 10;

    /// <summary>The recent requests at which the failure rate weighs half in <see cref="FailurePenalty.Recent"/>.</summary>
    public const double FailureEvidenceRequests = 4;
}
