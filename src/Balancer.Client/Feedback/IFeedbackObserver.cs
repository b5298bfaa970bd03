namespace Balancer.Client.Feedback;

/// <summary>
/// Receives every completed attempt of a balanced client, after its statistics were recorded. Learning selectors
/// implement this (a selector that implements it is subscribed automatically) to train from real traffic.
/// </summary>
/// <remarks>
/// The callback runs synchronously on the request path, on many threads at once: keep it short, lock-free and
/// allocation-free, or hand the data to a background worker. An exception thrown by an observer is logged and
/// swallowed; it never fails the request.
/// </remarks>
public interface IFeedbackObserver
{
    /// <summary>Called once for each completed attempt.</summary>
    /// <param name="feedback">What the attempt showed.</param>
    void OnAttemptCompleted(in AttemptFeedback feedback);
}
