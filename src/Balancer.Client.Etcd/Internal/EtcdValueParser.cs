using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Reads the value of an instance's key: a JSON object (<c>address</c> required; <c>weight</c>, <c>zone</c>,
/// <c>priority</c>, <c>metadata</c> optional; names case-insensitive; unknown names ignored), a JSON string, or a plain
/// address. An address without a scheme (<c>10.0.0.5:8080</c>) takes the source's scheme (<c>http</c> by default); a
/// source configured for <c>https</c> refuses <c>http</c> values.
/// </summary>
internal static class EtcdValueParser
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryParse(ReadOnlySpan<byte> value, [NotNullWhen(true)] out BalancerEndpointOptions? endpoint, [NotNullWhen(false)] out string? problem, string scheme = "http")
    {
        endpoint = null;
        string text;
        try
        {
            text = s_strictUtf8.GetString(value).Trim();
        }
        catch (DecoderFallbackException)
        {
            problem = "is not UTF-8 text";
            return false;
        }

        if (text.Length == 0)
        {
            problem = "is empty; expected an address such as 'http://10.0.0.5:8080' or a JSON object with an 'address'";
            return false;
        }

        if (text[0] is '{' or '"' or '[')
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                return document.RootElement.ValueKind == JsonValueKind.String
                    ? TryCreate(document.RootElement.GetString(), scheme, out endpoint, out problem)
                    : TryParseObject(document.RootElement, scheme, out endpoint, out problem);
            }
            catch (JsonException exception)
            {
                problem = $"is not valid JSON ({exception.Message})";
                return false;
            }
        }

        return TryCreate(text, scheme, out endpoint, out problem);
    }

    /// <summary>
    /// Checks an address and adds <paramref name="scheme"/> when it has none; with <c>https</c>, an <c>http</c> address
    /// is refused (a discovered value never downgrades a source configured for https).
    /// </summary>
    public static bool TryParseAddress(string? value, [NotNullWhen(true)] out string? address, [NotNullWhen(false)] out string? problem, string scheme = "http")
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = "is empty; expected an absolute http or https URI such as 'http://10.0.0.5:8080'";
            return false;
        }

        var candidate = value.Trim();
        if (!candidate.Contains("://", StringComparison.Ordinal))
        {
            candidate = scheme + "://" + candidate;
        }

        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.HostNameType == UriHostNameType.Unknown)
        {
            problem = "is not an absolute http or https URI such as 'http://10.0.0.5:8080' (or host:port)";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problem = "contains user information, a query or a fragment; expected scheme, host, port and an optional base path";
            return false;
        }

        if (uri.Scheme == "http" && scheme == "https")
        {
            problem = "is http, but the source is configured for https (Etcd.Scheme); a discovered value never downgrades it";
            return false;
        }

        address = candidate;
        problem = null;
        return true;
    }

    private static bool TryCreate(string? address, string scheme, [NotNullWhen(true)] out BalancerEndpointOptions? endpoint, [NotNullWhen(false)] out string? problem)
    {
        endpoint = null;
        if (!TryParseAddress(address, out var normalized, out var addressProblem, scheme))
        {
            problem = $"has address '{address}', which {addressProblem}";
            return false;
        }

        endpoint = new BalancerEndpointOptions { Address = normalized };
        problem = null;
        return true;
    }

    private static bool TryParseObject(JsonElement root, string scheme, [NotNullWhen(true)] out BalancerEndpointOptions? endpoint, [NotNullWhen(false)] out string? problem)
    {
        endpoint = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = $"is a JSON {root.ValueKind.ToString().ToLowerInvariant()}; expected an object with an 'address' or a plain address";
            return false;
        }

        string? address = null;
        var result = new BalancerEndpointOptions();
        foreach (var property in root.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            if (Is(name, "address"))
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    problem = $"has 'address' {value.GetRawText()}; expected a string";
                    return false;
                }

                address = value.GetString();
            }
            else if (Is(name, "weight"))
            {
                if (!TryGetInt(value, "weight", out var weight, out problem))
                {
                    return false;
                }

                if (weight is < BalancerEndpoint.MinWeight or > BalancerEndpoint.MaxWeight)
                {
                    problem = string.Create(CultureInfo.InvariantCulture, $"has 'weight' {weight}; allowed from {BalancerEndpoint.MinWeight} to {BalancerEndpoint.MaxWeight}");
                    return false;
                }

                result.Weight = weight;
            }
            else if (Is(name, "priority"))
            {
                if (!TryGetInt(value, "priority", out var priority, out problem))
                {
                    return false;
                }

                if (priority < 0)
                {
                    problem = string.Create(CultureInfo.InvariantCulture, $"has 'priority' {priority}; expected 0 (most preferred) or more");
                    return false;
                }

                result.Priority = priority;
            }
            else if (Is(name, "zone"))
            {
                if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    problem = $"has 'zone' {value.GetRawText()}; expected a string";
                    return false;
                }

                result.Zone = value.GetString() is { Length: > 0 } zone ? zone : null;
            }
            else if (Is(name, "metadata"))
            {
                if (!TryReadMetadata(value, result.Metadata, out problem))
                {
                    return false;
                }
            }
        }

        if (address is null)
        {
            problem = "has no 'address'; expected for example {\"address\":\"http://10.0.0.5:8080\"}";
            return false;
        }

        if (!TryParseAddress(address, out var normalized, out var addressProblem, scheme))
        {
            problem = $"has 'address' '{address}', which {addressProblem}";
            return false;
        }

        result.Address = normalized;
        endpoint = result;
        problem = null;
        return true;
    }

    private static bool TryGetInt(JsonElement value, string name, out int result, [NotNullWhen(false)] out string? problem)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out result))
        {
            problem = null;
            return true;
        }

        result = 0;
        problem = $"has '{name}' {value.GetRawText()}; expected a whole number";
        return false;
    }

    private static bool TryReadMetadata(JsonElement value, IDictionary<string, string> metadata, [NotNullWhen(false)] out string? problem)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            problem = null;
            return true;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            problem = $"has 'metadata' {value.GetRawText()}; expected an object of strings";
            return false;
        }

        foreach (var entry in value.EnumerateObject())
        {
            switch (entry.Value.ValueKind)
            {
                case JsonValueKind.String:
                    metadata[entry.Name] = entry.Value.GetString()!;
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    metadata[entry.Name] = entry.Value.GetRawText();
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    problem = $"has 'metadata.{entry.Name}' {entry.Value.GetRawText()}; expected a string, a number or a boolean";
                    return false;
            }
        }

        problem = null;
        return true;
    }

    private static bool Is(string name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);
}
