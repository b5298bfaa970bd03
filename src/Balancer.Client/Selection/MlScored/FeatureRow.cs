using Balancer.Client.Endpoints;
using Balancer.Client.Feedback.ClassEstimates;

namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// Writes one candidate's row of <see cref="EndpointFeatures"/>: what the feedback side measured of the endpoint (its
/// statistics and its model of this request's class), the endpoint's zone and weight, and the request's features.
/// Reads only; allocates nothing.
/// </summary>
/// <remarks>
/// The prior of the class latency is the geometric mean of the endpoint's peak-EWMA latency and the class's mean on
/// the pick's candidates (their samples pooled), or the peak-EWMA latency alone when no candidate has a sample of the
/// class: an endpoint that is slow for one route is not presumed slow for a route it has never served, and a class
/// that is slow everywhere is not presumed fast on an endpoint that has not served it yet.
/// </remarks>
internal static class FeatureRow
{
    public static void Fill(Span<float> row, BalancerEndpoint endpoint, in ClassEstimate estimate, double classMean, RequestFeatures request, string? localZone, long now, long utcTicks)
    {
        var stats = endpoint.Stats;
        var peak = stats.GetLatencyEstimate(now);
        var prior = classMean > 0 && peak > 0 ? Math.Sqrt(peak * classMean) : peak;
        var failureRate = stats.FailureRate;
        var sinceFailure = stats.LastFailure is { } last
            ? Math.Clamp((utcTicks - last.UtcTicks) / (double)TimeSpan.TicksPerSecond, 0, MlScoredConstants.MaxSecondsSinceFailure)
            : MlScoredConstants.MaxSecondsSinceFailure;
        var (latency, uncertainty) = estimate.Latency(prior);
        row[EndpointFeatures.LatencyEstimate] = (float)peak;
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
