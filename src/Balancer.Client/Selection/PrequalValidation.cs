namespace Balancer.Client.Selection;

/// <summary>Checks <see cref="BalancerOptions.Prequal"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class PrequalValidation
{
    public static void Validate(PrequalOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("Prequal", null, "is not set");
            return;
        }

        if (string.IsNullOrEmpty(options.ProbePath) || options.ProbePath[0] != '/' || options.ProbePath.Contains('?', StringComparison.Ordinal) || !Uri.IsWellFormedUriString(options.ProbePath, UriKind.Relative))
        {
            error("Prequal.ProbePath", options.ProbePath, "must be a path that starts with '/', without a query");
        }

        if (double.IsNaN(options.ProbesPerRequest) || options.ProbesPerRequest < PrequalConstants.MinProbesPerRequest || options.ProbesPerRequest > PrequalConstants.MaxProbesPerRequest)
        {
            error("Prequal.ProbesPerRequest", options.ProbesPerRequest, $"is out of range; allowed from {PrequalConstants.MinProbesPerRequest} to {PrequalConstants.MaxProbesPerRequest}");
        }

        if (options.PoolSize < PrequalConstants.MinPoolSize || options.PoolSize > PrequalConstants.MaxPoolSize)
        {
            error("Prequal.PoolSize", options.PoolSize, $"is out of range; allowed from {PrequalConstants.MinPoolSize} to {PrequalConstants.MaxPoolSize}");
        }

        if (options.MaxProbeAge < PrequalConstants.MinProbeAge || options.MaxProbeAge > PrequalConstants.MaxProbeAgeLimit)
        {
            error("Prequal.MaxProbeAge", options.MaxProbeAge, $"is out of range; allowed from {PrequalConstants.MinProbeAge} to {PrequalConstants.MaxProbeAgeLimit}");
        }

        if (options.MaxUses < 1 || options.MaxUses > PrequalConstants.MaxMaxUses)
        {
            error("Prequal.MaxUses", options.MaxUses, $"is out of range; allowed from 1 to {PrequalConstants.MaxMaxUses}");
        }

        if (double.IsNaN(options.HotQuantile) || options.HotQuantile < PrequalConstants.MinHotQuantile || options.HotQuantile > 1)
        {
            error("Prequal.HotQuantile", options.HotQuantile, $"is out of range; allowed from {PrequalConstants.MinHotQuantile} to 1");
        }

        if (options.ProbeTimeout < PrequalConstants.MinProbeTimeout || options.ProbeTimeout > PrequalConstants.MaxProbeTimeout)
        {
            error("Prequal.ProbeTimeout", options.ProbeTimeout, $"is out of range; allowed from {PrequalConstants.MinProbeTimeout} to {PrequalConstants.MaxProbeTimeout}");
        }

        if (options.MaxProbesInFlight < 1 || options.MaxProbesInFlight > PrequalConstants.MaxMaxProbesInFlight)
        {
            error("Prequal.MaxProbesInFlight", options.MaxProbesInFlight, $"is out of range; allowed from 1 to {PrequalConstants.MaxMaxProbesInFlight}");
        }
    }
}
