using System.Globalization;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Network;
using Balancer.Client.Selection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// Validates <see cref="BalancerOptions"/> of balanced clients and reports every error at once, each naming the
/// client, the field and the value.
/// </summary>
internal sealed class BalancerOptionsValidator(EndpointSelectorRegistry selectors, BalancedClientNames clients) : IValidateOptions<BalancerOptions>
{
    public ValidateOptionsResult Validate(string? name, BalancerOptions options)
    {
        if (name is null || !clients.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        // After a client started, a bad reload must not throw from the configuration's change callback: the client
        // validates it itself, keeps its last good endpoints and logs the errors.
        if (clients.HasStarted(name))
        {
            return ValidateOptionsResult.Success;
        }

        var errors = Collect(name, options, selectors, out _);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Returns every error, and the validated endpoint definitions when there is none.</summary>
    public static List<string> Collect(string client, BalancerOptions options, EndpointSelectorRegistry selectors, out List<EndpointDefinition> endpoints)
    {
        var errors = new List<string>();
        endpoints = [];
        void Error(string field, object? value, string problem) =>
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Balancer client '{client}': {field} {Show(value)} {problem}."));

        if (!selectors.HasOverride(client) && !selectors.IsKnown(options.Selector))
        {
            Error("Selector", options.Selector, $"is not a known selector; use one of: {string.Join(", ", selectors.Names)}, or register it with AddEndpointSelector");
        }

        if (options.LatencyDecayTime < FeedbackConstants.MinLatencyDecayTime || options.LatencyDecayTime > FeedbackConstants.MaxLatencyDecayTime)
        {
            Error("LatencyDecayTime", options.LatencyDecayTime, $"is out of range; allowed from {FeedbackConstants.MinLatencyDecayTime} to {FeedbackConstants.MaxLatencyDecayTime}");
        }

        if (options.AttemptTimeout is { } attemptTimeout && (attemptTimeout < TimeSpan.FromMilliseconds(1) || attemptTimeout > TimeSpan.FromHours(1)))
        {
            Error("AttemptTimeout", attemptTimeout, "is out of range; allowed from 00:00:00.0010000 to 01:00:00, or unset for no limit");
        }

        if (options.IsFailure is null)
        {
            Error("IsFailure", null, "is not set; keep the default FailurePolicy.IsFailureByDefault or supply a policy");
        }

        ValidateHealth(options.Health, Error);
        if (options.WeightedRoundRobin is not { } wrr)
        {
            Error("WeightedRoundRobin", null, "is not set");
        }
        else
        {
            if (wrr.BlackoutPeriod < TimeSpan.Zero || wrr.BlackoutPeriod > TimeSpan.FromHours(1))
            {
                Error("WeightedRoundRobin.BlackoutPeriod", wrr.BlackoutPeriod, "is out of range; allowed from 00:00:00 to 01:00:00");
            }

            if (wrr.WeightExpirationPeriod <= wrr.BlackoutPeriod)
            {
                Error("WeightedRoundRobin.WeightExpirationPeriod", wrr.WeightExpirationPeriod, "must be longer than BlackoutPeriod");
            }

            if (wrr.WeightUpdatePeriod < TimeSpan.FromMilliseconds(10) || wrr.WeightUpdatePeriod > TimeSpan.FromMinutes(10))
            {
                Error("WeightedRoundRobin.WeightUpdatePeriod", wrr.WeightUpdatePeriod, "is out of range; allowed from 00:00:00.0100000 to 00:10:00");
            }

            if (double.IsNaN(wrr.ErrorUtilizationPenalty) || wrr.ErrorUtilizationPenalty < 0)
            {
                Error("WeightedRoundRobin.ErrorUtilizationPenalty", wrr.ErrorUtilizationPenalty, "must be zero or more");
            }
        }

        NetworkAwareValidation.Validate(options.NetworkAware, Error);
        if (options.Endpoints is null || options.Endpoints.Count == 0)
        {
            Error("Endpoints", "(empty)", $"has no endpoint; add at least one, in code or under 'Balancer:Clients:{client}:Endpoints'");
            return errors;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"Endpoints[{i}]");
            if (endpoint is null)
            {
                Error(field, null, "is null");
                continue;
            }

            var valid = true;
            if (!EndpointAddress.TryParse(endpoint.Address, out var address, out var problem))
            {
                Error(field + ".Address", endpoint.Address, problem);
                valid = false;
            }
            else if (seen.TryGetValue(address.AbsoluteUri, out var first))
            {
                Error(field + ".Address", endpoint.Address, string.Create(CultureInfo.InvariantCulture, $"duplicates Endpoints[{first}].Address; each address may appear once"));
                valid = false;
            }
            else
            {
                seen[address.AbsoluteUri] = i;
            }

            if (endpoint.Weight is < BalancerEndpoint.MinWeight or > BalancerEndpoint.MaxWeight)
            {
                Error(field + ".Weight", endpoint.Weight, string.Create(CultureInfo.InvariantCulture, $"is out of range; allowed from {BalancerEndpoint.MinWeight} to {BalancerEndpoint.MaxWeight}"));
                valid = false;
            }

            if (valid)
            {
                var metadata = endpoint.Metadata is { Count: > 0 } m ? new Dictionary<string, string>(m, StringComparer.Ordinal) : null;
                endpoints.Add(new EndpointDefinition(address!, endpoint.Weight, endpoint.Zone, metadata));
            }
        }

        return errors;
    }

    private static void ValidateHealth(HealthOptions? health, Action<string, object?, string> error)
    {
        if (health is null)
        {
            error("Health", null, "is not set");
            return;
        }

        void Share(string field, double value, bool allowZero = true)
        {
            if (double.IsNaN(value) || value < 0 || value > 1 || (!allowZero && value == 0))
            {
                error(field, value, allowZero ? "is out of range; allowed from 0 to 1" : "is out of range; allowed above 0 up to 1");
            }
        }

        void Time(string field, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                error(field, value, $"is out of range; allowed from {min} to {max}");
            }
        }

        Share("Health.PanicThreshold", health.PanicThreshold);
        Time("Health.MaxCooldown", health.MaxCooldown, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

        if (health.OutlierDetection is not { } outlier)
        {
            error("Health.OutlierDetection", null, "is not set");
        }
        else
        {
            if (outlier.ConsecutiveFailures < 0)
            {
                error("Health.OutlierDetection.ConsecutiveFailures", outlier.ConsecutiveFailures, "is negative; use 0 to disable this trigger");
            }

            Share("Health.OutlierDetection.FailureRateThreshold", outlier.FailureRateThreshold);
            Share("Health.OutlierDetection.MaxEjectionPercent", outlier.MaxEjectionPercent);
            if (outlier.MinimumRequestVolume < 1)
            {
                error("Health.OutlierDetection.MinimumRequestVolume", outlier.MinimumRequestVolume, "is out of range; it must be at least 1");
            }

            Time("Health.OutlierDetection.BaseEjectionTime", outlier.BaseEjectionTime, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
            if (outlier.MaxEjectionTime < outlier.BaseEjectionTime)
            {
                error("Health.OutlierDetection.MaxEjectionTime", outlier.MaxEjectionTime, $"is shorter than BaseEjectionTime ({outlier.BaseEjectionTime})");
            }
        }

        if (health.SlowStart is not { } slowStart)
        {
            error("Health.SlowStart", null, "is not set");
        }
        else
        {
            Time("Health.SlowStart.Window", slowStart.Window, TimeSpan.Zero, TimeSpan.FromHours(1));
            Share("Health.SlowStart.MinWeightPercent", slowStart.MinWeightPercent, allowZero: false);
        }

        if (health.ActiveChecks is not { } checks)
        {
            error("Health.ActiveChecks", null, "is not set");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(checks.Path) || !checks.Path.StartsWith('/') || checks.Path.Contains("://", StringComparison.Ordinal))
            {
                error("Health.ActiveChecks.Path", checks.Path, "must be a path starting with '/', such as '/health'");
            }

            Time("Health.ActiveChecks.Interval", checks.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
            Time("Health.ActiveChecks.Timeout", checks.Timeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
            if (double.IsNaN(checks.Jitter) || checks.Jitter < 0 || checks.Jitter >= 1)
            {
                error("Health.ActiveChecks.Jitter", checks.Jitter, "is out of range; allowed from 0 up to (not including) 1");
            }

            if (checks.HealthyThreshold < 1)
            {
                error("Health.ActiveChecks.HealthyThreshold", checks.HealthyThreshold, "must be at least 1");
            }

            if (checks.UnhealthyThreshold < 1)
            {
                error("Health.ActiveChecks.UnhealthyThreshold", checks.UnhealthyThreshold, "must be at least 1");
            }
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "(null)",
        string s => $"'{s}'",
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}
