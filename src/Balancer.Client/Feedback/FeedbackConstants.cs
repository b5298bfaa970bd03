namespace Balancer.Client.Feedback;

internal static class FeedbackConstants
{
    public static readonly TimeSpan DefaultLatencyDecayTime = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MinLatencyDecayTime = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxLatencyDecayTime = TimeSpan.FromHours(1);

    /// <summary>The prior before the client has seen any response: equal for every endpoint, so only its scale matters.</summary>
    public const double DefaultPriorSeconds = 0.1;

    /// <summary>Cost factor per unit of failure rate: a failure rate of p multiplies the cost by 1 + this × p.</summary>
    public const double FailureRatePenalty = 10;

    /// <summary>Consecutive failures double the cost each, up to 2 to this power.</summary>
    public const int MaxConsecutiveFailurePenaltyExponent = 10;
}
