using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;

namespace Balancer.Client;

/// <summary>
/// The options of one balanced client. Bound from configuration section <c>Balancer:Clients:{name}</c> or set in code;
/// validated at startup, and re-read when the bound configuration reloads.
/// </summary>
public sealed class BalancerOptions
{
    /// <summary>Gets or sets the name of the selector that picks an endpoint per attempt (case-insensitive).</summary>
    /// <value>The default value is <see cref="EndpointSelectorNames.LeastLatency"/>.</value>
    /// <remarks>Built-in names are in <see cref="EndpointSelectorNames"/>; custom selectors are added with <c>AddEndpointSelector</c>.</remarks>
    public string Selector { get; set; } = EndpointSelectorNames.LeastLatency;

    /// <summary>Gets the endpoints of the service. At least one is required.</summary>
    /// <value>The default value is an empty list.</value>
#pragma warning disable CA2227 // Settable so that configuration binding and object initializers both work.
    public IList<BalancerEndpointOptions> Endpoints { get; set; } = [];
#pragma warning restore CA2227

    /// <summary>
    /// Gets or sets the time constant τ of the feedback tracker's decaying averages (latency and failure rate):
    /// a sample's influence falls to 1/e after τ.
    /// </summary>
    /// <value>The default value is 10 seconds. Allowed: 100 ms to 1 hour.</value>
    public TimeSpan LatencyDecayTime { get; set; } = FeedbackConstants.DefaultLatencyDecayTime;

    /// <summary>
    /// Gets or sets the longest time one attempt may wait for response headers from its endpoint. When it passes, the
    /// attempt fails with an <see cref="HttpRequestException"/> (inner <see cref="TimeoutException"/>) and counts as a
    /// failure of the endpoint, so that an endpoint that accepts connections but never answers is learnt about, avoided
    /// and ejected. A timeout outside the balancer (<see cref="HttpClient.Timeout"/>, a Polly timeout) cancels the attempt
    /// instead, which records nothing. <see langword="null"/> sets no limit.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no limit).</value>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the request keeps the logical host (the client's name) in its
    /// <c>Host</c> header, for endpoints that serve several virtual hosts. When <see langword="false"/>, Host follows the
    /// endpoint's own address. Either way TLS (SNI and the certificate's name check) follows the endpoint: with a
    /// <see cref="SocketsHttpHandler"/> as primary handler (the default), the connection to an HTTPS endpoint is
    /// authenticated against the endpoint's host with that handler's <see cref="SocketsHttpHandler.SslOptions"/>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool PreserveLogicalHost { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a retry may go back to an endpoint that an earlier attempt of the same
    /// request already tried, once every eligible endpoint was tried. When <see langword="false"/>, such an attempt fails
    /// with <see cref="NoAvailableEndpointException"/> (<see cref="NoAvailableEndpointReason.AllTried"/>).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ReuseTriedEndpoints { get; set; } = true;

    /// <summary>
    /// Gets or sets the policy that decides whether an attempt counts as a failure of its endpoint. It gets the response
    /// (or <see langword="null"/>) and the exception (or <see langword="null"/>); the caller's cancellation never reaches it.
    /// </summary>
    /// <value>The default value is <see cref="FailurePolicy.IsFailureByDefault"/>: exceptions, 5xx and 429.</value>
    public Func<HttpResponseMessage?, Exception?, bool> IsFailure { get; set; } = FailurePolicy.IsFailureByDefault;

    /// <summary>Gets or sets the settings of the <see cref="EndpointSelectorNames.WeightedRoundRobin"/> selector.</summary>
    public WeightedRoundRobinOptions WeightedRoundRobin { get; set; } = new();

    /// <summary>Gets or sets the settings of the <see cref="EndpointSelectorNames.MlScored"/> selector.</summary>
    public MlScoredOptions MlScored { get; set; } = new();

    /// <summary>Gets or sets the settings of the <see cref="EndpointSelectorNames.ConsistentHash"/> selector: the key source and the load bound.</summary>
    public ConsistentHashOptions ConsistentHash { get; set; } = new();

    /// <summary>Gets or sets the settings of the <see cref="EndpointSelectorNames.NetworkAware"/> selector: local zone, spill-over, network probes.</summary>
    public NetworkAwareOptions NetworkAware { get; set; } = new();

    /// <summary>Gets or sets the settings of the <see cref="EndpointSelectorNames.Prequal"/> selector: probe path and rate, probe pool, hot quantile.</summary>
    public PrequalOptions Prequal { get; set; } = new();

    /// <summary>Gets or sets which endpoints may receive traffic: outlier detection, panic threshold, slow start, active checks.</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>
    /// Gets or sets how the endpoints from <see cref="Endpoints.IEndpointSource"/>s (DNS, registries, resolvers) are
    /// treated: whether an empty answer counts, and how long a first request waits for the first endpoints.
    /// </summary>
    public Endpoints.EndpointSourceOptions EndpointSources { get; set; } = new();

    /// <summary>
    /// Gets or sets what the client's metrics carry: by default not the endpoint, so that churning endpoints do not
    /// grow the number of metric series without bound (see <see cref="TelemetryOptions.EndpointTags"/>).
    /// </summary>
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>
    /// Gets or sets deterministic subsetting: when on, this client instance uses only a stable subset of the endpoints,
    /// spread so that every endpoint gets about the same number of client instances.
    /// </summary>
    /// <value>The default value is off (<see cref="SubsettingOptions.SubsetSize"/> not set).</value>
    public SubsettingOptions Subsetting { get; set; } = new();

    /// <summary>
    /// Gets or sets the seed of the built-in selectors' random choices, for reproducible tests and simulations;
    /// <see langword="null"/> uses a fast per-thread random source.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? RandomSeed { get; set; }

    /// <summary>Adds an endpoint.</summary>
    /// <param name="address">An absolute <c>http</c> or <c>https</c> address, optionally with a base path.</param>
    /// <param name="weight">The relative weight, 1 to 100.</param>
    /// <param name="zone">The zone the endpoint runs in, if known.</param>
    /// <returns>These options, for chaining.</returns>
    public BalancerOptions AddEndpoint(string address, int weight = 1, string? zone = null)
    {
        Endpoints.Add(new BalancerEndpointOptions { Address = address, Weight = weight, Zone = zone });
        return this;
    }
}
