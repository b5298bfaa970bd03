namespace Balancer.Client.AspNetCore;

/// <summary>
/// Who may see the dashboard mapped by <c>MapBalancerDashboard</c>, and what it shows. Outside the Development
/// environment the dashboard needs an explicit access rule: <see cref="AuthorizationPolicy"/>, <see cref="AllowAnonymous"/>,
/// the usual <c>.RequireAuthorization(…)</c> / <c>.AllowAnonymous()</c> conventions, or an authorization fallback policy.
/// </summary>
public sealed class BalancerDashboardOptions
{
    /// <summary>
    /// Gets or sets the name of the authorization policy every dashboard endpoint requires (the page and the JSON), as
    /// <c>.RequireAuthorization(policy)</c> would. The policy must exist (<c>services.AddAuthorization(o =&gt; o.AddPolicy(…))</c>).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no policy of its own).</value>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether anyone who can reach the application may see the dashboard, as
    /// <c>.AllowAnonymous()</c> would: the explicit choice for a dashboard mapped only on an internal port or network.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether endpoint addresses are replaced, in the JSON and on the page, by labels
    /// such as <c>endpoint-3F9A1C2B</c>: stable for the life of the process (so the page still follows each endpoint)
    /// but not reversible (keyed with a secret chosen at startup). Zones, weights and statistics stay.
    /// </summary>
    /// <value>The default value is <see langword="false"/> (addresses shown).</value>
    public bool RedactAddresses { get; set; }
}
