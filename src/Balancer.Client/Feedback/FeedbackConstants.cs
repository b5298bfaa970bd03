namespace Balancer.Client.Feedback;

internal static class FeedbackConstants
{
    public static readonly TimeSpan DefaultLatencyDecayTime = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MinLatencyDecayTime = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxLatencyDecayTime = TimeSpan.FromHours(1);

    /// <summary>The prior before the client has seen any response: equal for every endpoint, so only its scale matters.</summary>
    public const double DefaultPriorSeconds = 0.1;

    /// <summary>A failure feeds the latency estimate this multiple of the current estimate.</summary>
    public const double FailurePenaltyFactor = 2;

    /// <summary>Upper bound of a latency sample fed by a failure.</summary>
    public const double MaxLatencySeconds = 60;
}
