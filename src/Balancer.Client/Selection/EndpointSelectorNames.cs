using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Selection;

/// <summary>The names of the built-in selectors, as used in <see cref="BalancerOptions.Selector"/> and configuration (case-insensitive).</summary>
public static class EndpointSelectorNames
{
    /// <summary>
    /// Smooth weighted round robin: each endpoint gets exactly its weight's share, evenly interleaved. Cheapest pick;
    /// best when endpoints are alike and the load is steady. Ignores latency and load, so a slow endpoint still gets its share.
    /// </summary>
    public const string RoundRobin = nameof(RoundRobin);

    /// <summary>
    /// Weighted random. Stateless, so independent clients never synchronize; shares are exact only on average.
    /// </summary>
    public const string Random = nameof(Random);

    /// <summary>
    /// Power of two choices: two weighted random samples, the one with fewer requests in flight wins. Adapts to load with
    /// almost no state; does not see latency until requests pile up.
    /// </summary>
    public const string PowerOfTwoChoices = nameof(PowerOfTwoChoices);

    /// <summary>
    /// The endpoint with the least expected latency for this request, mean latency × load ÷ weight, where the load
    /// factor is about 1 up to the endpoint's typical in flight (its concurrency as the client observes it, by Little's
    /// law) and (in flight + 1) ÷ (typical in flight + 1) above it. Compares every endpoint of pools up to 16, and in
    /// larger ones two weighted random candidates and the previous pick's winner. Moves
    /// traffic to the endpoints that answer fastest, weighs load by what each endpoint can take at once, and keeps
    /// trying an endpoint it left as its record ages.
    /// </summary>
    public const string LeastLatency = nameof(LeastLatency);

    /// <summary>
    /// The performance-based default: two weighted random samples, the lower peak-EWMA latency × (in flight + 1) ÷ weight
    /// wins. Moves traffic away from slow or failing endpoints within a few requests and brings it back as they recover.
    /// </summary>
    public const string PeakEwma = nameof(PeakEwma);

    /// <summary>
    /// Weighted round robin on the load endpoints report about themselves (ORCA <c>endpoint-load-metrics</c> headers,
    /// as in gRPC's A58): weight = rps ÷ (utilization + eps ÷ rps × penalty). Best when servers know their own load
    /// better than the client can see it (uneven request costs, background work); needs servers that send the header.
    /// </summary>
    public const string WeightedRoundRobin = nameof(WeightedRoundRobin);

    /// <summary>
    /// Learns online, per endpoint and request class (method, route key, size), the latency and failure probability
    /// to expect, scores a few weighted random candidates and picks the lowest predicted cost, exploring by Thompson
    /// sampling. Best when endpoints differ per kind of request (caches, shards, mixed hardware); starts as PeakEwma.
    /// A model trained offline can replace the online one (<see cref="MlScoredOptions.Scorer"/>).
    /// </summary>
    public const string MlScored = nameof(MlScored);

    /// <summary>
    /// Consistent hashing with bounded loads: requests with the same key (a header, a function or
    /// <c>request.SetBalancerHashKey</c>) go to the same endpoint while it is not loaded above
    /// <see cref="ConsistentHashOptions.LoadBoundFactor"/> × its share of the average; few keys move when endpoints
    /// change. Best for caches and per-key state on the servers; requests without a key are balanced by PeakEwma.
    /// </summary>
    public const string ConsistentHash = nameof(ConsistentHash);

    /// <summary>
    /// Two weighted random samples, the lower cost wins, where cost = measured network round trip (with its jitter) +
    /// server time (peak-EWMA latency less the round trip) × (in flight + 1) ÷ weight; endpoints in the client's own zone are
    /// preferred until they are unavailable or clearly busier than the others. Best when endpoints sit at different
    /// network distances (zones, regions, links) or when cross-zone traffic should be kept low.
    /// </summary>
    public const string NetworkAware = nameof(NetworkAware);

    /// <summary>
    /// Prequal (NSDI 2024): probes the servers' requests in flight and recent latency asynchronously (a probe per request
    /// by default, <see cref="PrequalOptions"/>) and picks by the hot-cold rule: the lowest latency among endpoints not
    /// above the pool's 0.8 quantile of requests in flight, else the fewest in flight. Needs servers with
    /// <c>app.UseBalancerLoadReports()</c> (Balancer.Client.AspNetCore); without them it picks as LeastLatency. Best for
    /// many client instances over one pool: the servers' counts include every client's requests.
    /// </summary>
    public const string Prequal = nameof(Prequal);
}
