namespace Balancer.Client.Feedback;

internal static class FeedbackConstants
{
    public static readonly TimeSpan DefaultLatencyDecayTime = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MinLatencyDecayTime = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxLatencyDecayTime = TimeSpan.FromHours(1);

    /// <summary>The prior before the client has seen any response: equal for every endpoint, so only its scale matters.</summary>
    public const double DefaultPriorSeconds = 0.1;

    /// <summary>The mean latency's time constant is τ divided by this (1 s for the default τ of 10 s).</summary>
    public const double MeanLatencyDecayDivisor = 10;

    /// <summary>An age (in units of τ) below which decaying by e^(−age) changes an estimate by under 0.1 %: not computed.</summary>
    public const double NegligibleDecayAge = 0.001;

    /// <summary>The smallest share of the mean latency one sample takes, however close it follows the previous one.</summary>
    public const double MinMeanLatencySampleShare = 1.0 / 16;

    /// <summary>The mean latency of an endpoint without samples, as a share of the client-wide prior.</summary>
    public const double UnknownMeanLatencyShareOfPrior = 0.5;

    /// <summary>The samples of a new (or reconnected) endpoint left out of its mean latency.</summary>
    public const int MeanLatencyWarmUpSamples = 1;
}
