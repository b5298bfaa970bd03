namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// The layout of the feature vector that the <see cref="EndpointSelectorNames.MlScored"/> selector builds for each
/// candidate endpoint and the request being sent, and hands to an <see cref="IEndpointScorer"/>: <see cref="Count"/>
/// 32-bit floats per candidate, at the indexes below. The layout only grows: new features are appended, indexes never move.
/// </summary>
/// <remarks>
/// Endpoint features come from the feedback tracker (<see cref="Feedback.EndpointStats"/>); request features from the
/// request; the last four from the selector's online model of this endpoint for this request's class (method, route
/// key and size band), blended with the endpoint's peak-EWMA latency and failure rate while it has few samples.
/// </remarks>
public static class EndpointFeatures
{
    /// <summary>The endpoint's peak-EWMA latency estimate in seconds (as <see cref="EndpointSelectorNames.PeakEwma"/> compares it).</summary>
    public const int LatencyEstimate = 0;

    /// <summary>The endpoint's requests in flight.</summary>
    public const int InFlight = 1;

    /// <summary>The endpoint's time-decayed failure rate, 0 to 1.</summary>
    public const int FailureRate = 2;

    /// <summary>Seconds since the endpoint's last failure, at most 3,600 (also 3,600 when it never failed).</summary>
    public const int SecondsSinceFailure = 3;

    /// <summary>1 when the endpoint's zone equals <see cref="MlScoredOptions.LocalZone"/> (case-insensitive), otherwise 0.</summary>
    public const int ZoneMatch = 4;

    /// <summary>The endpoint's weight, 1 to 100.</summary>
    public const int Weight = 5;

    /// <summary>The request method: 0 GET, 1 HEAD, 2 POST, 3 PUT, 4 DELETE, 5 PATCH, 6 OPTIONS, 7 any other.</summary>
    public const int Method = 6;

    /// <summary>The request's route key (see <see cref="MlScoredOptions.RouteKey"/>) hashed (FNV-1a, stable across processes) into 0 … <see cref="MlScoredOptions.RouteClasses"/> − 1.</summary>
    public const int RouteKey = 7;

    /// <summary>ln(1 + request content length in bytes); 0 without content or when the length is unknown.</summary>
    public const int ContentLength = 8;

    /// <summary>The online model's expected latency in seconds of this endpoint for this request's class (before load).</summary>
    public const int ClassLatency = 9;

    /// <summary>The online model's uncertainty of <see cref="ClassLatency"/>: the standard deviation of its natural logarithm.</summary>
    public const int ClassLatencyUncertainty = 10;

    /// <summary>The online model's probability that this endpoint fails a request of this class, 0 to 1.</summary>
    public const int ClassFailureProbability = 11;

    /// <summary>The effective number of recent samples behind the class estimates (decayed with time and sample count).</summary>
    public const int ClassSamples = 12;

    /// <summary>The number of features per candidate.</summary>
    public const int Count = 13;

    /// <summary>Gets the feature names, by index, as they appear in documentation and activity events.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "latency_estimate", "in_flight", "failure_rate", "seconds_since_failure", "zone_match", "weight", "method",
        "route_key", "content_length", "class_latency", "class_latency_uncertainty", "class_failure_probability", "class_samples",
    ];
}
