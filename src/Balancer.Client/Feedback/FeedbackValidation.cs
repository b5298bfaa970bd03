namespace Balancer.Client.Feedback;

/// <summary>
/// Checks what decides how an attempt is learnt from: the decay of the averages
/// (<see cref="BalancerOptions.LatencyDecayTime"/>), the attempt's time limit (<see cref="BalancerOptions.AttemptTimeout"/>,
/// whose expiry counts as a failure of the endpoint) and the failure policy (<see cref="BalancerOptions.IsFailure"/>);
/// each problem goes to the caller's error sink (field, value, problem).
/// </summary>
internal static class FeedbackValidation
{
    public static void Validate(TimeSpan latencyDecayTime, TimeSpan? attemptTimeout, Func<HttpResponseMessage?, Exception?, bool>? isFailure, FieldError error)
    {
        if (latencyDecayTime < FeedbackConstants.MinLatencyDecayTime || latencyDecayTime > FeedbackConstants.MaxLatencyDecayTime)
        {
            error("LatencyDecayTime", latencyDecayTime, $"is out of range; allowed from {FeedbackConstants.MinLatencyDecayTime} to {FeedbackConstants.MaxLatencyDecayTime}");
        }

        if (attemptTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(1) || timeout > TimeSpan.FromHours(1)))
        {
            error("AttemptTimeout", timeout, "is out of range; allowed from 00:00:00.0010000 to 01:00:00, or unset for no limit");
        }

        if (isFailure is null)
        {
            error("IsFailure", null, "is not set; keep the default FailurePolicy.IsFailureByDefault or supply a policy");
        }
    }
}
