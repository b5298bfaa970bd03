using Balancer.Client.Feedback;

namespace Balancer.Client.Selection;

/// <summary>
/// The factor by which failures raise the cost of an endpoint in the performance-based selectors, read from the
/// failure record of its <see cref="EndpointStats"/>: (1 + 10 × failure rate × fade) × 2^min(consecutive failures, 10),
/// or 1 when nothing was heard for τ. 1 for an endpoint that does not fail; a flaky endpoint pays in proportion to its
/// failure rate; a dead one (refusing every connection) is priced out within a few requests and probed again only as
/// its latency estimate decays.
/// </summary>
/// <remarks>
/// fade = e^(−time since the last failure ÷ (τ ÷ 10)): the failure rate only changes as requests arrive, so an endpoint
/// that stopped failing and therefore gets little traffic would otherwise keep its old rate, and its penalty, for up to
/// τ; with the fade its rate part is gone within a few seconds (5 % after 3 s by default), while an endpoint that keeps
/// failing renews it with every failure.
/// </remarks>
internal static class FailurePenalty
{
    /// <summary>The failure penalty of <paramref name="stats"/> at <paramref name="timestamp"/>.</summary>
    public static double Of(EndpointStats stats, long timestamp)
    {
        if (!HasRecentFailures(stats, timestamp))
        {
            return 1;
        }

        var doubling = Doubling(stats.ConsecutiveFailures);
        return (1 + (SelectionConstants.FailureRatePenalty * stats.FailureRate * Fade(stats, timestamp))) * doubling;
    }

    /// <summary>
    /// As <see cref="Of"/> (fade included), with the failure rate weighed by how much recent evidence there is: × R ÷ (R +
    /// <see cref="SelectionConstants.FailureEvidenceRequests"/>), R the decayed requests of the last τ as of now. An
    /// endpoint that failed and then got no traffic sheds the rate part as its record ages, so one probe that succeeds
    /// is not priced at the old rate again; a busy endpoint that keeps failing pays the full rate.
    /// </summary>
    public static double Recent(EndpointStats stats, long timestamp)
    {
        if (!HasRecentFailures(stats, timestamp))
        {
            return 1;
        }

        var recent = stats.GetRecentRequests(timestamp);
        var evidence = recent / (recent + SelectionConstants.FailureEvidenceRequests);
        var doubling = Doubling(stats.ConsecutiveFailures);
        return (1 + (SelectionConstants.FailureRatePenalty * stats.FailureRate * evidence * Fade(stats, timestamp))) * doubling;
    }

    /// <summary>2^min(<paramref name="consecutiveFailures"/>, 10): 1 without failures, doubling with each.</summary>
    public static double Doubling(int consecutiveFailures) =>
        1 << Math.Min(consecutiveFailures, SelectionConstants.MaxConsecutiveFailurePenaltyExponent);

    /// <summary>
    /// Whether failures weigh at all: not when the endpoint never failed or its record was cleared (the common case,
    /// which costs no exp()), nor when nothing was heard from it for τ (the old failures are stale too).
    /// </summary>
    private static bool HasRecentFailures(EndpointStats stats, long timestamp) =>
        stats.HasFailures && stats.GetOutcomeAge(timestamp) < 1;

    /// <summary>e^(−time since the last failure ÷ (τ ÷ <see cref="SelectionConstants.FailureFadeDivisor"/>)): how much of the failure rate still weighs on the cost.</summary>
    private static double Fade(EndpointStats stats, long timestamp)
    {
        var age = stats.GetFailureAge(timestamp) * SelectionConstants.FailureFadeDivisor;
        return age < FeedbackConstants.NegligibleDecayAge ? 1 : Math.Exp(-age);
    }
}
