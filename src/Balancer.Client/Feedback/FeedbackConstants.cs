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

    /// <summary>The mean latency's time constant is τ divided by this (1 s for the default τ of 10 s).</summary>
    public const double MeanLatencyDecayDivisor = 10;

    /// <summary>The failure rate's weight in the failure penalty fades with a time constant of τ divided by this (1 s for the default τ).</summary>
    public const double FailureFadeDivisor = 10;

    /// <summary>An age (in units of τ) below which decaying by e^(−age) changes an estimate by under 0.1 %: not computed.</summary>
    public const double NegligibleDecayAge = 0.001;

    /// <summary>The smallest share of the mean latency one sample takes, however close it follows the previous one.</summary>
    public const double MinMeanLatencySampleShare = 1.0 / 16;

    /// <summary>The recent requests at which the failure rate weighs half in <see cref="EndpointStats.GetRecentFailurePenalty"/>.</summary>
    public const double FailureEvidenceRequests = 4;

    /// <summary>The mean latency of an endpoint without samples, as a share of the client-wide prior.</summary>
    public const double UnknownMeanLatencyShareOfPrior = 0.5;

    /// <summary>The samples of a new (or reconnected) endpoint left out of its mean latency.</summary>
    public const int MeanLatencyWarmUpSamples = 1;
}
