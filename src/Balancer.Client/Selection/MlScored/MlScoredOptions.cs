namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// Settings of the <see cref="EndpointSelectorNames.MlScored"/> selector, which learns per endpoint and request class
/// the latency and failure probability to expect, and picks the lowest predicted cost among a few sampled candidates.
/// </summary>
public sealed class MlScoredOptions
{
    /// <summary>
    /// Gets or sets the function that gives a request's route key: requests with the same key (and method and size band)
    /// form one class that the model learns apart. It sees the logical request (before the endpoint is chosen). Return
    /// constant or cached strings to keep picks allocation-free; <see langword="null"/> or empty is the empty key.
    /// A class named on the request with <see cref="BalancerHttpRequestExtensions.SetBalancerRequestClass"/> comes first.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the path as a route template, read without allocating: numbers,
    /// GUIDs, long hex and opaque tokens become one placeholder and the query is dropped (<c>/orders/42?x=1</c> →
    /// <c>/orders/{id}</c>).
    /// </value>
    public Func<HttpRequestMessage, string?>? RouteKey { get; set; }

    /// <summary>
    /// Gets or sets the number of request classes the model keeps per endpoint. Keys are hashed into this many classes;
    /// two keys that share a class are learnt together.
    /// </summary>
    /// <value>The default value is 16. Allowed: 1 to 1024.</value>
    public int RouteClasses { get; set; } = MlScoredConstants.DefaultRouteClasses;

    /// <summary>
    /// Gets or sets how many weighted random candidates a pick scores (all endpoints when there are no more than this).
    /// More finds the best endpoint for a request more often; fewer costs less and herds less across independent clients.
    /// </summary>
    /// <value>The default value is 4. Allowed: 2 to 16.</value>
    public int Candidates { get; set; } = MlScoredConstants.DefaultCandidates;

    /// <summary>
    /// Gets or sets the scale of exploration: each candidate's predicted latency is multiplied by
    /// exp(this × uncertainty × z), z a standard normal draw (Thompson sampling), so endpoints the model knows little
    /// about are tried now and then. 0 always takes the lowest predicted cost.
    /// </summary>
    /// <value>The default value is 1. Allowed: 0 to 10.</value>
    public double Exploration { get; set; } = 1;

    /// <summary>
    /// Gets or sets how many recent samples of one endpoint and class the model remembers at most; older ones fade
    /// geometrically (and all fade with time, with τ = <see cref="BalancerOptions.LatencyDecayTime"/>). Smaller adapts
    /// faster to a change and is noisier.
    /// </summary>
    /// <value>The default value is 50. Allowed: 2 to 100,000.</value>
    public int SampleWindow { get; set; } = MlScoredConstants.DefaultSampleWindow;

    /// <summary>Gets or sets the zone this client runs in, for the <see cref="EndpointFeatures.ZoneMatch"/> feature.</summary>
    /// <value>The default value is <see langword="null"/>: no endpoint matches.</value>
    public string? LocalZone { get; set; }

    /// <summary>
    /// Gets or sets the model that turns features into predictions, such as one trained offline; <see langword="null"/>
    /// uses the online model: latency = class latency × (in flight + 1), failure = class failure probability.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IEndpointScorer? Scorer { get; set; }
}
