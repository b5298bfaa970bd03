using Balancer.Client.Endpoints;
using Balancer.Client.Feedback.ClassEstimates;

namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// Writes one candidate's row of <see cref="EndpointFeatures"/>: what the feedback side measured of the endpoint (its
/// statistics and its model of this request's class), the endpoint's zone and weight, and the request's features.
/// Reads only; allocates nothing.
/// </summary>
internal static class FeatureRow
{
    public static void Fill(Span<float> row, BalancerEndpoint endpoint, EndpointModel model, RequestFeatures request, string? localZone, long now, long utcTicks, double inverseDecay)
    {
        var stats = endpoint.Stats;
        var prior = stats.GetLatencyEstimate(now);
        var failureRate = stats.FailureRate;
        var sinceFailure = stats.LastFailure is { } last
            ? Math.Clamp((utcTicks - last.UtcTicks) / (double)TimeSpan.TicksPerSecond, 0, MlScoredConstants.MaxSecondsSinceFailure)
            : MlScoredConstants.MaxSecondsSinceFailure;
        var estimate = model.Read(request.Class, now, inverseDecay);
        var (latency, uncertainty) = estimate.Latency(prior);
        row[EndpointFeatures.LatencyEstimate] = (float)prior;
        row[EndpointFeatures.InFlight] = stats.InFlight;
        row[EndpointFeatures.FailureRate] = (float)failureRate;
        row[EndpointFeatures.SecondsSinceFailure] = (float)sinceFailure;
        row[EndpointFeatures.ZoneMatch] = localZone is not null && string.Equals(endpoint.Zone, localZone, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        row[EndpointFeatures.Weight] = endpoint.Weight;
        row[EndpointFeatures.Method] = request.Method;
        row[EndpointFeatures.RouteKey] = request.RouteKey;
        row[EndpointFeatures.ContentLength] = request.ContentLength;
        row[EndpointFeatures.ClassLatency] = (float)latency;
        row[EndpointFeatures.ClassLatencyUncertainty] = (float)uncertainty;
        row[EndpointFeatures.ClassFailureProbability] = (float)estimate.FailureProbability(failureRate);
        row[EndpointFeatures.ClassSamples] = (float)estimate.Samples;
    }
}
