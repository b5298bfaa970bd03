using System.Diagnostics.CodeAnalysis;
using Balancer.Client.AspNetCore;
using Balancer.Client.AspNetCore.Internal;
using Balancer.Client.Inspection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Balancer.Client dashboard: a live page and its JSON snapshot.</summary>
public static class BalancerDashboardEndpointRouteBuilderExtensions
{
    /// <summary>The path prefix <see cref="MapBalancerDashboard"/> uses when none is given: <c>/balancer</c>.</summary>
    public const string DefaultPattern = "/balancer";

    /// <summary>
    /// Maps the dashboard of the application's balanced clients under <paramref name="pattern"/>:
    /// <list type="bullet">
    /// <item><description><c>GET {pattern}</c>: one self-contained HTML page (no external assets) that shows every balanced
    /// client and its endpoints — traffic share, latency, requests in flight, failures, health, selector scores — and
    /// refreshes itself every second;</description></item>
    /// <item><description><c>GET {pattern}/api/snapshot</c>: the same data as JSON, for every client;</description></item>
    /// <item><description><c>GET {pattern}/api/snapshot/{client}</c>: one client as JSON, or 404 when no balanced client of
    /// that name has been used yet.</description></item>
    /// </list>
    /// </summary>
    /// <param name="endpoints">The application's endpoint route builder, such as the <c>WebApplication</c>.</param>
    /// <param name="pattern">The path prefix of the dashboard.</param>
    /// <param name="configure">Sets the access rule (a policy, or anonymous access) and whether addresses are redacted, such as
    /// <c>o =&gt; { o.AuthorizationPolicy = "ops"; o.RedactAddresses = true; }</c>.</param>
    /// <returns>A builder for conventions that apply to every dashboard endpoint, such as <c>.RequireAuthorization()</c>.</returns>
    /// <exception cref="InvalidOperationException">No balanced client is registered (no <see cref="IBalancerInspector"/> in the
    /// container), the policy does not exist, or both a policy and anonymous access are set.</exception>
    /// <remarks>
    /// The dashboard shows the addresses of internal services and how they behave. Outside the Development environment
    /// it needs an access rule chosen on purpose: <c>.RequireAuthorization("ops")</c>, <c>.AllowAnonymous()</c> (for a
    /// dashboard reachable only internally), an authorization fallback policy, or <see cref="BalancerDashboardOptions.AuthorizationPolicy"/>
    /// / <see cref="BalancerDashboardOptions.AllowAnonymous"/> in <paramref name="configure"/>. Without one, the application
    /// stops at start with a critical log message that says so.
    /// </remarks>
    public static IEndpointConventionBuilder MapBalancerDashboard(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = DefaultPattern, Action<BalancerDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new BalancerDashboardOptions();
        configure?.Invoke(options);
        if (endpoints.ServiceProvider.GetService<IBalancerInspector>() is null)
        {
            throw new InvalidOperationException(
                $"MapBalancerDashboard(\"{pattern}\") found no {nameof(IBalancerInspector)} in the container: register a balanced client with services.AddBalancedHttpClient(...) first (or register your own {nameof(IBalancerInspector)}).");
        }

        var group = endpoints.MapGroup(pattern);
        group.MapGet(string.Empty, DashboardHandlers.WritePageAsync).WithDisplayName("Balancer dashboard");
        var addresses = AddressRedactor.Create(options.RedactAddresses);
        group.MapGet("/api/snapshot", DashboardHandlers.WriteSnapshots(addresses)).WithDisplayName("Balancer dashboard snapshot");
        group.MapGet("/api/snapshot/{client}", DashboardHandlers.WriteSnapshot(addresses)).WithDisplayName("Balancer dashboard client snapshot");
        group.ExcludeFromDescription();
        DashboardAccess.Apply(endpoints, group, pattern, options);
        return group;
    }
}
