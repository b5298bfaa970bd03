namespace Balancer.Client.Selection.MlScored;

/// <summary>Checks <see cref="BalancerOptions.MlScored"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class MlScoredValidation
{
    public static void Validate(MlScoredOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("MlScored", null, "is not set");
            return;
        }

        if (options.RouteClasses is < 1 or > MlScoredConstants.MaxRouteClasses)
        {
            error("MlScored.RouteClasses", options.RouteClasses, $"is out of range; allowed from 1 to {MlScoredConstants.MaxRouteClasses}");
        }

        if (options.Candidates is < 2 or > MlScoredConstants.MaxCandidates)
        {
            error("MlScored.Candidates", options.Candidates, $"is out of range; allowed from 2 to {MlScoredConstants.MaxCandidates}");
        }

        if (!(options.Exploration >= 0 && options.Exploration <= MlScoredConstants.MaxExploration))
        {
            error("MlScored.Exploration", options.Exploration, $"is out of range; allowed from 0 (no exploration) to {MlScoredConstants.MaxExploration}");
        }

        if (options.SampleWindow is < 2 or > MlScoredConstants.MaxSampleWindow)
        {
            error("MlScored.SampleWindow", options.SampleWindow, $"is out of range; allowed from 2 to {MlScoredConstants.MaxSampleWindow}");
        }
    }
}
