using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Network;
using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>
/// Validates <see cref="BalancerOptions"/> of balanced clients and reports every error at once, each naming the
/// client, the field and the value. Each feature's rules live beside its options (<see cref="HealthValidation"/>,
/// <see cref="EndpointValidation"/>, ...); this class checks only what needs the registrations (the selector's name,
/// endpoint sources standing in for endpoints) and runs the features' checks in a fixed order.
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

        var errors = Collect(name, options, selectors, sources.HasSources(name), out _, sources.HasSubsetter(name));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidationErrors.Fail(errors);
    }

    /// <summary>Returns every error, and the validated endpoint definitions when there is none.</summary>
    public static List<string> Collect(string client, BalancerOptions options, EndpointSelectorRegistry selectors, bool hasSources, out List<EndpointDefinition> endpoints, bool hasSubsetter = false)
    {
        var errors = new List<string>();
        endpoints = [];
        FieldError error = (field, value, problem) => errors.Add(ValidationErrors.Line(client, field, value, problem));

        if (!selectors.HasOverride(client) && !selectors.IsKnown(options.Selector))
        {
            error("Selector", options.Selector, $"is not a known selector; use one of: {string.Join(", ", selectors.Names)}, or register it with AddEndpointSelector");
        }

        FeedbackValidation.Validate(options.LatencyDecayTime, options.AttemptTimeout, options.IsFailure, error);
        TelemetryValidation.Validate(options.Telemetry, error);
        HealthValidation.Validate(options.Health, error);
        SubsettingValidation.Validate(options.Subsetting, Environment.MachineName, error);
        if (hasSubsetter && options.Subsetting is { IsEnabled: true } subsetting)
        {
            error("Subsetting.SubsetSize", subsetting.SubsetSize, "is set, but the client has an endpoint subsetter (UseEndpointSubsetter) that chooses its endpoints; turn one of them off");
        }
        MlScoredValidation.Validate(options.MlScored, error);
        ConsistentHashValidation.Validate(options.ConsistentHash, error);
        NetworkAwareValidation.Validate(options.NetworkAware, error);
        PrequalValidation.Validate(options.Prequal, error);
        WeightedRoundRobinValidation.Validate(options.WeightedRoundRobin, error);
        EndpointValidation.Validate(options.EndpointSources, error);

        if (options.Endpoints is null || options.Endpoints.Count == 0)
        {
            if (!hasSources)
            {
                error("Endpoints", "(empty)", $"has no endpoint; add at least one, in code or under 'Balancer:Clients:{client}:Endpoints', or add an endpoint source (AddEndpointSource)");
            }

            return errors;
        }

        EndpointValidation.Collect([.. options.Endpoints], "Endpoints", error, endpoints);
        return errors;
    }
}
