namespace Balancer.Client.Selection.MlScored;

/// <summary>What an <see cref="IEndpointScorer"/> predicts for one candidate endpoint and the request being sent.</summary>
/// <param name="latencySeconds">The expected time to response headers in seconds, load included; more than zero.</param>
/// <param name="failureProbability">The probability that the attempt fails, 0 to 1.</param>
/// <param name="uncertainty">
/// The standard deviation of the natural logarithm of <paramref name="latencySeconds"/>, which drives exploration; <see cref="double.NaN"/>
/// lets the selector use its online model's (<see cref="EndpointFeatures.ClassLatencyUncertainty"/>).
/// </param>
public readonly struct EndpointPrediction(double latencySeconds, double failureProbability, double uncertainty = double.NaN)
{
    /// <summary>Gets the expected time to response headers in seconds.</summary>
    public double LatencySeconds { get; } = latencySeconds;

    /// <summary>Gets the probability that the attempt fails, 0 to 1.</summary>
    public double FailureProbability { get; } = failureProbability;

    /// <summary>Gets the standard deviation of ln(<see cref="LatencySeconds"/>), or <see cref="double.NaN"/> for the online model's.</summary>
    public double Uncertainty { get; } = uncertainty;
}
