using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Dns;

/// <summary>
/// Validates the <see cref="DnsEndpointOptions"/> of one DNS source of one client and reports every error at once, each
/// naming the client, the source, the field and the value.
/// </summary>
internal sealed class DnsEndpointOptionsValidator(string optionsName, string clientName, DnsEndpointQuery query) : IValidateOptions<DnsEndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, DnsEndpointOptions options)
    {
        if (!string.Equals(name, optionsName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        void Error(string field, object? value, string problem) =>
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Balancer client '{clientName}': DNS source {query.Description}: {field} {Show(value)} {problem}."));

        if (!string.Equals(options.Scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(options.Scheme, "https", StringComparison.OrdinalIgnoreCase))
        {
            Error(nameof(options.Scheme), options.Scheme, "is not supported; use 'http' or 'https'");
        }

        if (options.MinRefresh < DnsEndpointConstants.MinMinRefresh || options.MinRefresh > DnsEndpointConstants.MaxMinRefresh)
        {
            Error(nameof(options.MinRefresh), options.MinRefresh, $"is out of range; allowed from {DnsEndpointConstants.MinMinRefresh} to {DnsEndpointConstants.MaxMinRefresh}");
        }

        if (options.MaxRefresh < options.MinRefresh || options.MaxRefresh > DnsEndpointConstants.MaxMaxRefresh)
        {
            Error(nameof(options.MaxRefresh), options.MaxRefresh, $"is out of range; allowed from MinRefresh ({options.MinRefresh}) to {DnsEndpointConstants.MaxMaxRefresh}");
        }

        if (options.QueryTimeout < DnsEndpointConstants.MinQueryTimeout || options.QueryTimeout > DnsEndpointConstants.MaxQueryTimeout)
        {
            Error(nameof(options.QueryTimeout), options.QueryTimeout, $"is out of range; allowed from {DnsEndpointConstants.MinQueryTimeout} to {DnsEndpointConstants.MaxQueryTimeout}");
        }

        if (options.Retries is < 0 or > DnsEndpointConstants.MaxRetries)
        {
            Error(nameof(options.Retries), options.Retries, $"is out of range; allowed from 0 to {DnsEndpointConstants.MaxRetries}");
        }

        if (options.NameServers is null)
        {
            Error(nameof(options.NameServers), null, "is not set; leave it empty for the system's name servers");
        }
        else
        {
            for (var i = 0; i < options.NameServers.Count; i++)
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"{nameof(options.NameServers)}[{i}]");
                var server = options.NameServers[i];
                if (server is null)
                {
                    Error(field, null, "is null");
                }
                else if (server.Port == 0)
                {
                    Error(field, server, "has port 0; give the name server's port, usually 53");
                }
                else if (server.Address.Equals(IPAddress.Any) || server.Address.Equals(IPAddress.IPv6Any))
                {
                    Error(field, server, "is an unspecified address; give the name server's address");
                }
            }
        }

        if (options.UseTargetHostNames && !query.IsSrv)
        {
            Error(nameof(options.UseTargetHostNames), options.UseTargetHostNames, "applies only to SRV sources (AddDnsSrvEndpoints)");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Show(object? value) => value switch
    {
        null => "(null)",
        IFormattable f => $"'{f.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}
