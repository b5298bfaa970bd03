namespace Balancer.Client.Selection.MlScored;

internal static class MlScoredConstants
{
    public const int DefaultRouteClasses = 16;

    /// <summary>As many classes as a request's attempt context can carry.</summary>
    public const int MaxRouteClasses = Feedback.AttemptContext.MaxRequestClasses;

    public const int DefaultCandidates = 4;

    public const int MaxCandidates = 16;

    public const int DefaultSampleWindow = 50;

    public const int MaxSampleWindow = 100_000;

    public const double MaxExploration = 10;

    /// <summary>The cap of <see cref="EndpointFeatures.SecondsSinceFailure"/>.</summary>
    public const double MaxSecondsSinceFailure = 3600;

    /// <summary>The name of the activity event that explains a pick.</summary>
    public const string PickEventName = "balancer.ml_scored.pick";
}
