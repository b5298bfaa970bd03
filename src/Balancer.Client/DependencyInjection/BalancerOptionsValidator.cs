using System.Globalization;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
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

        if (options.IsFailure is null)
        {
            Error("IsFailure", null, "is not set; keep the default FailurePolicy.IsFailureByDefault or supply a policy");
        }

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

    private static string Show(object? value) => value switch
    {
        null => "(null)",
        string s => $"'{s}'",
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}
