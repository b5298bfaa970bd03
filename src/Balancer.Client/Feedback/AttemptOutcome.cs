namespace Balancer.Client.Feedback;

/// <summary>How an attempt on an endpoint ended, as the feedback tracker records it.</summary>
public enum AttemptOutcome
{
    /// <summary>The endpoint answered and the failure policy did not count the answer as a failure.</summary>
    Success,

    /// <summary>The endpoint failed: an exception (refused, reset, timeout) or a response the failure policy counts as a failure.</summary>
    Failure,

    /// <summary>The caller cancelled the attempt. Neither latency nor failure is recorded.</summary>
    Canceled,
}
