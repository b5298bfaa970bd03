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
internal sealed class BalancerOptionsValidator(EndpointSelectorRegistry selectors, BalancedClientNames clients, EndpointSourceRegistry sources) : IValidateOptions<BalancerOptions>
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

        var errors = Collect(name, options, selectors, sources.HasSources(name), out _);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidationErrors.Fail(errors);
    }

    /// <summary>Returns every error, and the validated endpoint definitions when there is none.</summary>
    public static List<string> Collect(string client, BalancerOptions options, EndpointSelectorRegistry selectors, bool hasSources, out List<EndpointDefinition> endpoints)
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

        if (options.Telemetry is null)
        {
            Error("Telemetry", null, "is not set");
        }

        ValidateHealth(options.Health, Error);
        ValidateSubsetting(options.Subsetting, Environment.MachineName, Error);
        ValidateMlScored(options.MlScored, Error);
        ValidateConsistentHash(options.ConsistentHash, Error);
        NetworkAwareValidation.Validate(options.NetworkAware, Error);
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

        var sources = options.EndpointSources;
        if (sources is null)
        {
            Error("EndpointSources", null, "is not set");
        }
        else if (sources.InitialTimeout < TimeSpan.Zero || sources.InitialTimeout > TimeSpan.FromMinutes(5))
        {
            Error("EndpointSources.InitialTimeout", sources.InitialTimeout, "is out of range; allowed from 00:00:00 to 00:05:00");
        }

        if (sources is not null)
        {
            ValidateDiscoveredAddresses(sources, Error);
        }

        if (options.Endpoints is null || options.Endpoints.Count == 0)
        {
            if (!hasSources)
            {
                Error("Endpoints", "(empty)", $"has no endpoint; add at least one, in code or under 'Balancer:Clients:{client}:Endpoints', or add an endpoint source (AddEndpointSource)");
            }

            return errors;
        }

        CollectEndpoints([.. options.Endpoints], "Endpoints", Error, endpoints);
        return errors;
    }

    /// <summary>Validates endpoint descriptions (from options or an endpoint source) and adds the valid ones to <paramref name="output"/>.</summary>
    public static void CollectEndpoints(IReadOnlyList<BalancerEndpointOptions?> input, string fieldPrefix, Action<string, object?, string> error, List<EndpointDefinition> output)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < input.Count; i++)
        {
            var endpoint = input[i];
            var field = string.Create(CultureInfo.InvariantCulture, $"{fieldPrefix}[{i}]");
            if (endpoint is null)
            {
                error(field, null, "is null");
                continue;
            }

            var valid = true;
            if (!EndpointAddress.TryParse(endpoint.Address, out var address, out var problem))
            {
                error(field + ".Address", endpoint.Address, problem);
                valid = false;
            }
            else if (seen.TryGetValue(address.AbsoluteUri, out var first))
            {
                error(field + ".Address", endpoint.Address, string.Create(CultureInfo.InvariantCulture, $"duplicates {fieldPrefix}[{first}].Address; each address may appear once"));
                valid = false;
            }
            else
            {
                seen[address.AbsoluteUri] = i;
            }

            if (endpoint.Weight is < BalancerEndpoint.MinWeight or > BalancerEndpoint.MaxWeight)
            {
                error(field + ".Weight", endpoint.Weight, string.Create(CultureInfo.InvariantCulture, $"is out of range; allowed from {BalancerEndpoint.MinWeight} to {BalancerEndpoint.MaxWeight}"));
                valid = false;
            }

            if (endpoint.Priority < 0)
            {
                error(field + ".Priority", endpoint.Priority, "is negative; 0 is the most preferred tier");
                valid = false;
            }

            if (valid)
            {
                var metadata = endpoint.Metadata is { Count: > 0 } m ? new Dictionary<string, string>(m, StringComparer.Ordinal) : null;
                output.Add(new EndpointDefinition(address!, endpoint.Weight, endpoint.Zone, metadata, endpoint.Priority));
            }
        }
    }

    private static void ValidateDiscoveredAddresses(EndpointSourceOptions sources, Action<string, object?, string> error)
    {
        if (sources.AllowedSchemes is null)
        {
            error("EndpointSources.AllowedSchemes", null, "is not set; leave it empty to allow http and https");
        }
        else
        {
            for (var i = 0; i < sources.AllowedSchemes.Count; i++)
            {
                var scheme = sources.AllowedSchemes[i]?.Trim();
                if (!string.Equals(scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && !string.Equals(scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
                {
                    error(string.Create(CultureInfo.InvariantCulture, $"EndpointSources.AllowedSchemes[{i}]"), sources.AllowedSchemes[i], "is not supported; use 'http' or 'https'");
                }
            }
        }

        if (sources.AllowedHosts is null)
        {
            error("EndpointSources.AllowedHosts", null, "is not set; leave it empty to allow any host");
            return;
        }

        for (var i = 0; i < sources.AllowedHosts.Count; i++)
        {
            if (DiscoveredAddressPolicy.ValidatePattern(sources.AllowedHosts[i]) is { } problem)
            {
                error(string.Create(CultureInfo.InvariantCulture, $"EndpointSources.AllowedHosts[{i}]"), sources.AllowedHosts[i], problem);
            }
        }
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

        if (health.ConnectionFailure is not { } connection)
        {
            error("Health.ConnectionFailure", null, "is not set");
        }
        else
        {
            Time("Health.ConnectionFailure.InitialBackoff", connection.InitialBackoff, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
            Time("Health.ConnectionFailure.MaxBackoff", connection.MaxBackoff, connection.InitialBackoff, TimeSpan.FromHours(1));
            Time("Health.ConnectionFailure.ConnectTimeout", connection.ConnectTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
            Time("Health.ConnectionFailure.SlowStartWindow", connection.SlowStartWindow, TimeSpan.Zero, TimeSpan.FromHours(1));
            if (double.IsNaN(connection.BackoffMultiplier) || connection.BackoffMultiplier < 1 || connection.BackoffMultiplier > 10)
            {
                error("Health.ConnectionFailure.BackoffMultiplier", connection.BackoffMultiplier, "is out of range; allowed from 1 to 10");
            }

            if (double.IsNaN(connection.Jitter) || connection.Jitter < 0 || connection.Jitter >= 1)
            {
                error("Health.ConnectionFailure.Jitter", connection.Jitter, "is out of range; allowed from 0 up to (not including) 1");
            }
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

    /// <summary>Checks the subsetting options; <paramref name="hostName"/> is where <c>InstanceIdFromHostName</c> reads the id.</summary>
    internal static void ValidateSubsetting(SubsettingOptions? subsetting, string hostName, Action<string, object?, string> error)
    {
        if (subsetting is null)
        {
            error("Subsetting", null, "is not set");
            return;
        }

        if (subsetting.SubsetSize is < 0)
        {
            error("Subsetting.SubsetSize", subsetting.SubsetSize, "is out of range; use at least 1, or 0 (or unset) to turn subsetting off");
        }

        if (!subsetting.IsEnabled)
        {
            return;
        }

        var count = subsetting.InstanceCount;
        if (count < 1)
        {
            error("Subsetting.InstanceCount", count, "is out of range; with subsetting on, set the number of client instances (at least 1)");
        }

        if (subsetting.InstanceIdFromHostName)
        {
            if (subsetting.InstanceId is not null)
            {
                error("Subsetting.InstanceId", subsetting.InstanceId, "is set together with InstanceIdFromHostName; use one of them");
            }
            else if (subsetting.ResolveInstanceId(hostName) is not { } ordinal)
            {
                error("Subsetting.InstanceIdFromHostName", hostName, "is a host name that does not end with '-' and a number (such as 'orders-3'); set InstanceId instead");
            }
            else if (count >= 1 && ordinal >= count)
            {
                error("Subsetting.InstanceIdFromHostName", hostName, string.Create(CultureInfo.InvariantCulture, $"gives instance id {ordinal}, out of range; allowed from 0 to {count - 1} (InstanceCount - 1)"));
            }
        }
        else if (subsetting.InstanceId is not { } id)
        {
            error("Subsetting.InstanceId", null, "is not set; with subsetting on, give every client instance its own id from 0 to InstanceCount - 1 (or set InstanceIdFromHostName)");
        }
        else if (id < 0 || (count >= 1 && id >= count))
        {
            error("Subsetting.InstanceId", id, count >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"is out of range; allowed from 0 to {count - 1} (InstanceCount - 1)")
                : "is out of range; it must be 0 or more");
        }
    }

    private static void ValidateMlScored(MlScoredOptions? ml, Action<string, object?, string> error)
    {
        if (ml is null)
        {
            error("MlScored", null, "is not set");
            return;
        }

        if (ml.RouteClasses is < 1 or > MlScoredConstants.MaxRouteClasses)
        {
            error("MlScored.RouteClasses", ml.RouteClasses, $"is out of range; allowed from 1 to {MlScoredConstants.MaxRouteClasses}");
        }

        if (ml.Candidates is < 2 or > MlScoredConstants.MaxCandidates)
        {
            error("MlScored.Candidates", ml.Candidates, $"is out of range; allowed from 2 to {MlScoredConstants.MaxCandidates}");
        }

        if (!(ml.Exploration >= 0 && ml.Exploration <= MlScoredConstants.MaxExploration))
        {
            error("MlScored.Exploration", ml.Exploration, $"is out of range; allowed from 0 (no exploration) to {MlScoredConstants.MaxExploration}");
        }

        if (ml.SampleWindow is < 2 or > MlScoredConstants.MaxSampleWindow)
        {
            error("MlScored.SampleWindow", ml.SampleWindow, $"is out of range; allowed from 2 to {MlScoredConstants.MaxSampleWindow}");
        }
    }

    private static void ValidateConsistentHash(ConsistentHashOptions? hash, Action<string, object?, string> error)
    {
        if (hash is null)
        {
            error("ConsistentHash", null, "is not set");
            return;
        }

        if (double.IsNaN(hash.LoadBoundFactor) || hash.LoadBoundFactor <= 1)
        {
            error("ConsistentHash.LoadBoundFactor", hash.LoadBoundFactor, "must be greater than 1 (1.25 is a good start; Infinity turns the bound off)");
        }

        if (hash.HeaderName is { } header && (header.Length == 0 || !header.All(IsTokenChar)))
        {
            error("ConsistentHash.HeaderName", header, "is not a valid header name; use letters, digits and !#$%&'*+-.^_`|~ only, such as 'X-User-Id'");
        }
    }

    /// <summary>A character allowed in an HTTP token (RFC 9110), such as a header name.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static string Show(object? value) => value switch
    {
        null => "(null)",
        string s => $"'{s}'",
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}
