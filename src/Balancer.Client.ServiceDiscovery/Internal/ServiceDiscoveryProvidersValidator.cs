using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Internal;

/// <summary>
/// Fails at startup when a client takes endpoints from Microsoft.Extensions.ServiceDiscovery but no endpoint provider
/// is registered: every resolution would fail.
/// </summary>
internal sealed class ServiceDiscoveryProvidersValidator(
    IEnumerable<ServiceDiscoveryClient> clients,
    IEnumerable<IServiceEndpointProviderFactory> providers) : IValidateOptions<BalancerOptions>
{
    public ValidateOptionsResult Validate(string? name, BalancerOptions options)
    {
        if (name is null || !clients.Any(c => string.Equals(c.Name, name, StringComparison.Ordinal)))
        {
            return ValidateOptionsResult.Skip;
        }

        return providers.Any()
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Balancer client '{name}' takes its endpoints from Microsoft.Extensions.ServiceDiscovery (AddServiceDiscoveryEndpoints), " +
                "but no service endpoint provider is registered: call services.AddServiceDiscovery() for the configuration and pass-through " +
                "providers, or register a provider (an IServiceEndpointProviderFactory, such as the DNS providers).");
    }
}
