namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// The default scorer: the online model's class latency times (in flight + 1), the queue the request would join,
/// as <see cref="EndpointSelectorNames.PeakEwma"/> weighs load; the class failure probability; the class uncertainty.
/// </summary>
internal sealed class OnlineEndpointScorer : IEndpointScorer
{
    public static readonly OnlineEndpointScorer Instance = new();

    public void Score(ReadOnlySpan<float> features, Span<EndpointPrediction> predictions)
    {
        for (var i = 0; i < predictions.Length; i++)
        {
            predictions[i] = Predict(features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count));
        }
    }

    public static EndpointPrediction Predict(ReadOnlySpan<float> row) => new(
        row[EndpointFeatures.ClassLatency] * (row[EndpointFeatures.InFlight] + 1.0),
        row[EndpointFeatures.ClassFailureProbability],
        row[EndpointFeatures.ClassLatencyUncertainty]);
}
