using System.Diagnostics.CodeAnalysis;

namespace Balancer.Client.Endpoints;

/// <summary>Parses and normalizes endpoint addresses.</summary>
internal static class EndpointAddress
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out Uri? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "is empty; expected an absolute http or https URI such as 'http://127.0.0.1:8080'";
            return false;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var parsed))
        {
            error = "is not an absolute URI; expected an absolute http or https URI such as 'http://127.0.0.1:8080'";
            return false;
        }

        return TryNormalize(parsed, out address, out error);
    }

    public static bool TryNormalize(Uri value, [NotNullWhen(true)] out Uri? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (!value.IsAbsoluteUri)
        {
            error = "is not an absolute URI; expected an absolute http or https URI such as 'http://127.0.0.1:8080'";
            return false;
        }

        if (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps)
        {
            error = $"has scheme '{value.Scheme}'; only http and https are supported";
            return false;
        }

        if (!string.IsNullOrEmpty(value.UserInfo))
        {
            error = "contains user information; credentials do not belong in an endpoint address";
            return false;
        }

        if (!string.IsNullOrEmpty(value.Query) || !string.IsNullOrEmpty(value.Fragment))
        {
            error = "contains a query or fragment; an endpoint address is scheme, host, port and an optional base path";
            return false;
        }

        var path = value.AbsolutePath;
        if (!path.EndsWith('/'))
        {
            path += "/";
        }

        address = new UriBuilder(value.Scheme, value.Host, value.Port, path).Uri;
        error = null;
        return true;
    }
}
