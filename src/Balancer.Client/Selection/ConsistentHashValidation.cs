namespace Balancer.Client.Selection;

/// <summary>Checks <see cref="BalancerOptions.ConsistentHash"/>; each problem goes to the caller's error sink (field, value, problem).</summary>
internal static class ConsistentHashValidation
{
    public static void Validate(ConsistentHashOptions? options, FieldError error)
    {
        if (options is null)
        {
            error("ConsistentHash", null, "is not set");
            return;
        }

        if (double.IsNaN(options.LoadBoundFactor) || options.LoadBoundFactor <= 1)
        {
            error("ConsistentHash.LoadBoundFactor", options.LoadBoundFactor, "must be greater than 1 (1.25 is a good start; Infinity turns the bound off)");
        }

        if (options.HeaderName is { } header && (header.Length == 0 || !header.All(IsTokenChar)))
        {
            error("ConsistentHash.HeaderName", header, "is not a valid header name; use letters, digits and !#$%&'*+-.^_`|~ only, such as 'X-User-Id'");
        }
    }

    /// <summary>A character allowed in an HTTP token (RFC 9110), such as a header name.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
