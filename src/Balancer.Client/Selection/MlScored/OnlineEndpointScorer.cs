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

    /// <summary>Scores with <paramref name="scorer"/>; this online model answers when there is none or it throws.</summary>
    public static void Score(IEndpointScorer? scorer, ReadOnlySpan<float> features, Span<EndpointPrediction> predictions)
    {
        if (scorer is null)
        {
            Instance.Score(features, predictions);
            return;
        }

        try
        {
            scorer.Score(features, predictions);
        }
#pragma warning disable CA1031 // A broken model must not fail requests: the online model answers for this pick.
        catch (Exception)
#pragma warning restore CA1031
        {
            Instance.Score(features, predictions);
        }
    }

    public static EndpointPrediction Predict(ReadOnlySpan<float> row) => new(
        row[EndpointFeatures.ClassLatency] * (row[EndpointFeatures.InFlight] + 1.0),
        row[EndpointFeatures.ClassFailureProbability],
        row[EndpointFeatures.ClassLatencyUncertainty]);
}
