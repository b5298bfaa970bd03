namespace Balancer.Client;

/// <summary>One endpoint as written in options or configuration.</summary>
public sealed class BalancerEndpointOptions
{
    /// <summary>Gets or sets the absolute <c>http</c> or <c>https</c> address, such as <c>http://10.0.0.5:8080</c>, optionally with a base path.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    public string? Address { get; set; }

    /// <summary>Gets or sets the relative weight, from 1 to 100.</summary>
    /// <value>The default value is 1.</value>
    public int Weight { get; set; } = 1;

    /// <summary>Gets or sets the zone the endpoint runs in, such as <c>eu-1a</c>.</summary>
    /// <value>The default value is <see langword="null"/> (unknown).</value>
    public string? Zone { get; set; }

    /// <summary>
    /// Gets or sets the endpoint's priority tier: 0 is the most preferred. Traffic goes to the lowest tier that has
    /// enough eligible endpoints (at least the panic threshold's share of its endpoints); higher tiers serve only
    /// while lower ones are ejected or missing, as with DNS SRV priorities.
    /// </summary>
    /// <value>The default value is 0.</value>
    public int Priority { get; set; }

    /// <summary>Gets free-form metadata for custom selectors and observers.</summary>
    /// <value>The default value is an empty dictionary.</value>
#pragma warning disable CA2227 // Settable so that configuration binding and object initializers both work.
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);
#pragma warning restore CA2227
}
