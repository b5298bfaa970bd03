using System.Globalization;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Etcd.Internal;

/// <summary>The balanced clients that have an etcd endpoint source: their options are validated.</summary>
internal sealed record EtcdSourceRegistration(string ClientName);

/// <summary>
/// Validates the etcd options of type <typeparamref name="TOptions"/> of the balanced clients in
/// <paramref name="clients"/> and reports every error at once, each naming the client, the field (under
/// <paramref name="section"/>) and the value.
/// </summary>
internal abstract class EtcdNamedOptionsValidator<TOptions>(IEnumerable<string> clients, string section, Action<TOptions, Action<string, object?, string>> collect) : IValidateOptions<TOptions>
    where TOptions : class
{
    private readonly HashSet<string> _clients = [.. clients];

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if (name is null || !_clients.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        collect(options, (field, value, problem) => errors.Add(string.Create(CultureInfo.InvariantCulture, $"Balancer client '{name}': {section}.{field} {EtcdOptionsValidator.Show(value)} {problem}.")));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Validates <see cref="EtcdEndpointSourceOptions"/> (fields under <c>Etcd.</c>); holds the rules of every etcd option.</summary>
internal sealed class EtcdOptionsValidator(IEnumerable<EtcdSourceRegistration> registrations)
    : EtcdNamedOptionsValidator<EtcdEndpointSourceOptions>(registrations.Select(r => r.ClientName), "Etcd", Collect)
{
    /// <summary>Reports each problem of the connection options as (field, value, problem).</summary>
    public static void CollectClient(EtcdClientOptions options, Action<string, object?, string> error)
    {
        if (options.Endpoints is null || options.Endpoints.Count == 0)
        {
            error("Endpoints", null, "has no etcd endpoint; add the client URL of at least one member, such as http://127.0.0.1:2379");
        }
        else
        {
            for (var i = 0; i < options.Endpoints.Count; i++)
            {
                var endpoint = options.Endpoints[i];
                var field = string.Create(CultureInfo.InvariantCulture, $"Endpoints[{i}]");
                if (endpoint is null)
                {
                    error(field, null, "is null");
                }
                else if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https"))
                {
                    error(field, endpoint, "is not an absolute http or https URI such as http://127.0.0.1:2379");
                }
                else if (!string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.Fragment) || !string.IsNullOrEmpty(endpoint.UserInfo))
                {
                    error(field, endpoint, "contains user information, a query or a fragment; give scheme, host and port only");
                }
            }
        }

        if (options.RequestTimeout < EtcdConstants.MinRequestTimeout || options.RequestTimeout > EtcdConstants.MaxRequestTimeout)
        {
            error("RequestTimeout", options.RequestTimeout, $"is out of range; allowed from {EtcdConstants.MinRequestTimeout} to {EtcdConstants.MaxRequestTimeout}");
        }

        CollectSecurity(options, error);
    }

    /// <summary>Reports the problems of the user and the certificates: both halves of the credentials, readable PEM files, https endpoints.</summary>
    private static void CollectSecurity(EtcdClientOptions options, Action<string, object?, string> error)
    {
        if (string.IsNullOrEmpty(options.Username) && !string.IsNullOrEmpty(options.Password))
        {
            error("Username", null, "is not set, but Password is; give the etcd user the password belongs to");
        }
        else if (!string.IsNullOrEmpty(options.Username) && string.IsNullOrEmpty(options.Password))
        {
            error("Password", null, $"is not set for Username '{options.Username}'; etcd authenticates users by password");
        }

        if (!string.IsNullOrEmpty(options.ClientKeyFile) && string.IsNullOrEmpty(options.ClientCertificateFile))
        {
            error("ClientKeyFile", options.ClientKeyFile, "is set without ClientCertificateFile; give the certificate the key belongs to");
        }

        if (!string.IsNullOrEmpty(options.TrustedCaFile))
        {
            Check("TrustedCaFile", options.TrustedCaFile, path => EtcdTransport.LoadAuthorities(path), error);
        }

        if (!string.IsNullOrEmpty(options.ClientCertificateFile))
        {
            Check("ClientCertificateFile", options.ClientCertificateFile, path => EtcdTransport.LoadClientCertificate(path, options.ClientKeyFile).Dispose(), error);
        }

        if (EtcdTransport.HasCertificates(options) && options.Endpoints is not null)
        {
            for (var i = 0; i < options.Endpoints.Count; i++)
            {
                if (options.Endpoints[i] is { IsAbsoluteUri: true, Scheme: "http" } endpoint)
                {
                    error(string.Create(CultureInfo.InvariantCulture, $"Endpoints[{i}]"), endpoint, "is http, but TrustedCaFile or ClientCertificateFile is set; use the member's https client URL");
                }
            }
        }
    }

    private static void Check(string field, string path, Action<string> load, Action<string, object?, string> error)
    {
        if (!File.Exists(path))
        {
            error(field, path, "does not exist");
            return;
        }

        try
        {
            load(path);
        }
#pragma warning disable CA1031 // Whatever the file holds instead of a certificate, the validation says so.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            error(field, path, $"could not be read as a PEM certificate{(field == "ClientCertificateFile" ? " with its private key" : string.Empty)} ({exception.Message.TrimEnd('.')})");
        }
    }

    /// <summary>Reports each problem of an endpoint source's options as (field, value, problem).</summary>
    public static void Collect(EtcdEndpointSourceOptions options, Action<string, object?, string> error)
    {
        CollectClient(options, error);
        if (options.Scheme is not ("http" or "https"))
        {
            error("Scheme", options.Scheme, "is not supported; use 'http' or 'https'");
        }

        if (ValidatePrefix(options.Prefix) is { } prefixProblem)
        {
            error("Prefix", options.Prefix, prefixProblem);
        }

        CollectRetry(options.RetryDelay, options.MaxRetryDelay, error);
    }

    /// <summary>Reports each problem of a fleet's options as (field, value, problem).</summary>
    public static void Collect(EtcdFleetOptions options, Action<string, object?, string> error)
    {
        CollectClient(options, error);
        if (ValidatePrefix(options.Prefix) is { } prefixProblem)
        {
            error("Prefix", options.Prefix, prefixProblem.Replace("of the service's instances, such as /services/catalog/", "of the fleet's members, such as /balancer/fleets/catalog/", StringComparison.Ordinal));
        }

        if (options.MemberId is { } id && (id.Length is 0 or > EtcdConstants.MaxMemberIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')))
        {
            error("MemberId", id, $"is not a member id; use 1 to {EtcdConstants.MaxMemberIdLength} letters, digits, '-', '_', '.' or ':'");
        }

        if (options.ApertureSize is < 1 or > EtcdConstants.MaxApertureSize)
        {
            error("ApertureSize", options.ApertureSize, $"is out of range; allowed from 1 to {EtcdConstants.MaxApertureSize}");
        }

        if (options.MemberTtl < EtcdConstants.MinMemberTtl || options.MemberTtl > EtcdConstants.MaxMemberTtl)
        {
            error("MemberTtl", options.MemberTtl, $"is out of range; allowed from {EtcdConstants.MinMemberTtl} to {EtcdConstants.MaxMemberTtl}");
        }

        if (options.EjectionQuorum is < 1 or > EtcdConstants.MaxEjectionQuorum)
        {
            error("EjectionQuorum", options.EjectionQuorum, $"is out of range; allowed from 1 to {EtcdConstants.MaxEjectionQuorum}");
        }

        if (options.EstimateInterval < EtcdConstants.MinEstimateInterval || options.EstimateInterval > EtcdConstants.MaxEstimateInterval)
        {
            error("EstimateInterval", options.EstimateInterval, $"is out of range; allowed from {EtcdConstants.MinEstimateInterval} to {EtcdConstants.MaxEstimateInterval}");
        }

        CollectRetry(options.RetryDelay, options.MaxRetryDelay, error);
    }

    private static void CollectRetry(TimeSpan retryDelay, TimeSpan maxRetryDelay, Action<string, object?, string> error)
    {
        if (retryDelay < EtcdConstants.MinRetryDelay || retryDelay > EtcdConstants.MaxFirstRetryDelay)
        {
            error("RetryDelay", retryDelay, $"is out of range; allowed from {EtcdConstants.MinRetryDelay} to {EtcdConstants.MaxFirstRetryDelay}");
        }

        if (maxRetryDelay < retryDelay || maxRetryDelay > EtcdConstants.MaxMaxRetryDelay)
        {
            error("MaxRetryDelay", maxRetryDelay, $"is out of range; allowed from RetryDelay ({retryDelay}) to {EtcdConstants.MaxMaxRetryDelay}");
        }
    }

    /// <summary>Returns what is wrong with a key prefix, or <see langword="null"/> when it is fine.</summary>
    public static string? ValidatePrefix(string? prefix) =>
        string.IsNullOrEmpty(prefix) ? "is empty; give the key prefix of the service's instances, such as /services/catalog/"
        : !prefix.EndsWith('/') ? $"does not end with '/'; use '{prefix}/' so that it does not also match the keys of '{prefix}-v2/' and the like"
        : null;

    internal static string Show(object? value) => value switch
    {
        null => "(empty)",
        TimeSpan time => $"'{time.ToString("c", CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}

/// <summary>The balanced clients that have an etcd fleet: their options are validated.</summary>
internal sealed record EtcdFleetRegistration(string ClientName);

/// <summary>Validates <see cref="EtcdFleetOptions"/> (fields under <c>EtcdFleet.</c>).</summary>
internal sealed class EtcdFleetOptionsValidator(IEnumerable<EtcdFleetRegistration> registrations)
    : EtcdNamedOptionsValidator<EtcdFleetOptions>(registrations.Select(r => r.ClientName), "EtcdFleet", EtcdOptionsValidator.Collect);
