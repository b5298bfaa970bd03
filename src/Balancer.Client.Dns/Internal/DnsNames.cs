namespace Balancer.Client.Dns;

/// <summary>Checks the names given to DNS sources.</summary>
internal static class DnsNames
{
    /// <summary>Returns the name without its final dot, or throws an <see cref="ArgumentException"/> naming the client, the field and the value.</summary>
    public static string Normalize(string clientName, string field, string? name, string parameterName)
    {
        var problem = Check(name);
        if (problem is not null)
        {
            throw new ArgumentException($"Balancer client '{clientName}': {field} '{name}' {problem}.", parameterName);
        }

        return name!.TrimEnd('.');
    }

    /// <summary>Returns why <paramref name="name"/> is not a valid DNS name, or <see langword="null"/>.</summary>
    public static string? Check(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "is empty; give a DNS name such as _http._tcp.catalog.shop.svc.cluster.local";
        }

        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length is 0 or > 253)
        {
            return "is not a valid DNS name; it must have 1 to 253 characters";
        }

        foreach (var label in trimmed.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return "is not a valid DNS name; each label between dots must have 1 to 63 characters";
            }

            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return "is not a valid DNS name; use letters, digits, '-' and '_' between dots";
            }
        }

        return null;
    }
}
