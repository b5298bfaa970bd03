using System.Globalization;

namespace Balancer.Client.Endpoints;

/// <summary>
/// Checks endpoint descriptions (from options or an endpoint source) and <see cref="BalancerOptions.EndpointSources"/>,
/// the policy for discovered addresses included; each problem goes to the caller's error sink (field, value, problem).
/// </summary>
internal static class EndpointValidation
{
    /// <summary>Validates endpoint descriptions and adds the valid ones to <paramref name="output"/>.</summary>
    public static void Collect(IReadOnlyList<BalancerEndpointOptions?> input, string fieldPrefix, FieldError error, List<EndpointDefinition> output)
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

    /// <summary>Checks the endpoint sources' options: the first wait and which discovered addresses are accepted.</summary>
    public static void Validate(EndpointSourceOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("EndpointSources", null, "is not set");
            return;
        }

        if (options.InitialTimeout < TimeSpan.Zero || options.InitialTimeout > TimeSpan.FromMinutes(5))
        {
            error("EndpointSources.InitialTimeout", options.InitialTimeout, "is out of range; allowed from 00:00:00 to 00:05:00");
        }

        ValidateDiscoveredAddresses(options, error);
    }

    private static void ValidateDiscoveredAddresses(EndpointSourceOptions options, FieldError error)
    {
        if (options.AllowedSchemes is null)
        {
            error("EndpointSources.AllowedSchemes", null, "is not set; leave it empty to allow http and https");
        }
        else
        {
            for (var i = 0; i < options.AllowedSchemes.Count; i++)
            {
                var scheme = options.AllowedSchemes[i]?.Trim();
                if (!string.Equals(scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && !string.Equals(scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
                {
                    error(string.Create(CultureInfo.InvariantCulture, $"EndpointSources.AllowedSchemes[{i}]"), options.AllowedSchemes[i], "is not supported; use 'http' or 'https'");
                }
            }
        }

        if (options.AllowedHosts is null)
        {
            error("EndpointSources.AllowedHosts", null, "is not set; leave it empty to allow any host");
            return;
        }

        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            if (DiscoveredAddressPolicy.ValidatePattern(options.AllowedHosts[i]) is { } problem)
            {
                error(string.Create(CultureInfo.InvariantCulture, $"EndpointSources.AllowedHosts[{i}]"), options.AllowedHosts[i], problem);
            }
        }
    }
}
