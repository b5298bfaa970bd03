using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// What the ML-scored selector compares: a candidate's expected cost = latency ÷ weight × (1 + 10 × failure probability)
/// × 2^min(consecutive failures, 10) (the doubling only while the last failure is less than τ old), from the scorer's
/// prediction, or the online model's where the prediction is not usable; and the uncertainty that drives exploration.
/// </summary>
internal static class MlScoredCost
{
    /// <summary>The expected cost of one candidate and the uncertainty of its latency; a prediction that is not usable falls back to the online model's.</summary>
    public static (double Cost, double Uncertainty) Of(EndpointPrediction prediction, ReadOnlySpan<float> row, BalancerEndpoint endpoint, double decaySeconds)
    {
        var online = OnlineEndpointScorer.Predict(row);
        var latency = prediction.LatencySeconds is > 0 and < double.PositiveInfinity ? prediction.LatencySeconds : online.LatencySeconds;
        var failure = double.IsNaN(prediction.FailureProbability) ? online.FailureProbability : Math.Clamp(prediction.FailureProbability, 0, 1);
        var uncertainty = prediction.Uncertainty is >= 0 and < double.PositiveInfinity ? prediction.Uncertainty : online.Uncertainty;
        var recent = row[EndpointFeatures.SecondsSinceFailure] < decaySeconds;
        var cost = latency / endpoint.Weight * (1 + (SelectionConstants.FailureRatePenalty * failure)) * FailurePenalty.Doubling(recent ? endpoint.Stats.ConsecutiveFailures : 0);
        return (cost, uncertainty);
    }
}
