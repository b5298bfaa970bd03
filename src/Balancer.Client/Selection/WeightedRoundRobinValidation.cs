namespace Balancer.Client.Selection;

/// <summary>Checks <see cref="BalancerOptions.WeightedRoundRobin"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class WeightedRoundRobinValidation
{
    public static void Validate(WeightedRoundRobinOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("WeightedRoundRobin", null, "is not set");
            return;
        }

        if (options.BlackoutPeriod < TimeSpan.Zero || options.BlackoutPeriod > TimeSpan.FromHours(1))
        {
            error("WeightedRoundRobin.BlackoutPeriod", options.BlackoutPeriod, "is out of range; allowed from 00:00:00 to 01:00:00");
        }

        if (options.WeightExpirationPeriod <= options.BlackoutPeriod)
        {
            error("WeightedRoundRobin.WeightExpirationPeriod", options.WeightExpirationPeriod, "must be longer than BlackoutPeriod");
        }

        if (options.WeightUpdatePeriod < TimeSpan.FromMilliseconds(10) || options.WeightUpdatePeriod > TimeSpan.FromMinutes(10))
        {
            error("WeightedRoundRobin.WeightUpdatePeriod", options.WeightUpdatePeriod, "is out of range; allowed from 00:00:00.0100000 to 00:10:00");
        }

        if (double.IsNaN(options.ErrorUtilizationPenalty) || options.ErrorUtilizationPenalty < 0)
        {
            error("WeightedRoundRobin.ErrorUtilizationPenalty", options.ErrorUtilizationPenalty, "must be zero or more");
        }
    }
}
