using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>
/// Makes sure a dashboard outside Development has an access rule chosen on purpose: checked when its endpoints are
/// built (after every convention, so <c>.RequireAuthorization()</c> and <c>.AllowAnonymous()</c> count), and forced at
/// application start, which stops the application with the reason when no rule was chosen.
/// </summary>
internal sealed class DashboardAccess
{
    private readonly string _pattern;
    private string? _failure;

    private DashboardAccess(string pattern)
    {
        _pattern = pattern;
    }

    /// <summary>Applies the options' rule to <paramref name="group"/> and, outside Development, checks the endpoints' rule.</summary>
    public static void Apply(IEndpointRouteBuilder endpoints, RouteGroupBuilder group, string pattern, BalancerDashboardOptions options)
    {
        var services = endpoints.ServiceProvider;
        if (options.AllowAnonymous && options.AuthorizationPolicy is not null)
        {
            throw new InvalidOperationException($"MapBalancerDashboard(\"{pattern}\"): AuthorizationPolicy '{options.AuthorizationPolicy}' and AllowAnonymous 'true' are both set; choose one.");
        }

        if (options.AuthorizationPolicy is { } policy)
        {
            var provider = services.GetService<IAuthorizationPolicyProvider>()
                ?? throw new InvalidOperationException($"MapBalancerDashboard(\"{pattern}\"): AuthorizationPolicy '{policy}' needs authorization services; call services.AddAuthorization(o => o.AddPolicy(\"{policy}\", …)).");
            if (string.IsNullOrWhiteSpace(policy) || provider.GetPolicyAsync(policy).GetAwaiter().GetResult() is null)
            {
                throw new InvalidOperationException($"MapBalancerDashboard(\"{pattern}\"): AuthorizationPolicy '{policy}' is not a registered policy; add it with services.AddAuthorization(o => o.AddPolicy(\"{policy}\", …)).");
            }

            group.RequireAuthorization(policy);
        }
        else if (options.AllowAnonymous)
        {
            group.AllowAnonymous();
        }

        var environment = services.GetService<IHostEnvironment>();
        if (environment is null || environment.IsDevelopment())
        {
            return;
        }

        var access = new DashboardAccess(pattern);
        var fallback = services.GetService<IOptions<AuthorizationOptions>>()?.Value.FallbackPolicy is not null;
        ((IEndpointConventionBuilder)group).Finally(builder => access.Check(builder.Metadata, fallback, environment.EnvironmentName));
        if (services.GetService<IHostApplicationLifetime>() is { } lifetime)
        {
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Balancer.Client.AspNetCore");
            lifetime.ApplicationStarted.Register(() => access.VerifyAtStart(endpoints, lifetime, logger));
        }
    }

    private void Check(IList<object> metadata, bool fallback, string environment)
    {
        if (fallback || metadata.Any(m => m is IAuthorizeData or IAllowAnonymous))
        {
            return;
        }

        _failure = $"MapBalancerDashboard(\"{_pattern}\") in environment '{environment}' has no access rule: the dashboard shows the addresses and the behaviour of internal services. " +
            "Require a policy (.RequireAuthorization(\"ops\"), or o.AuthorizationPolicy = \"ops\"), allow anonymous access on purpose (.AllowAnonymous(), or o.AllowAnonymous = true, " +
            "for a dashboard reachable only internally), or set an authorization fallback policy. Development needs none.";
        throw new InvalidOperationException(_failure);
    }

    /// <summary>Builds the endpoints now, so a dashboard without an access rule stops the application at start rather than at its first request.</summary>
    private void VerifyAtStart(IEndpointRouteBuilder endpoints, IHostApplicationLifetime lifetime, ILogger? logger)
    {
        try
        {
            foreach (var source in endpoints.DataSources)
            {
                _ = source.Endpoints;
            }
        }
        catch (InvalidOperationException exception) when (_failure is not null)
        {
            if (logger is not null)
            {
                Log.NoAccessRule(logger, exception, _failure);
            }

            lifetime.StopApplication();
        }
    }
}

/// <summary>Source-generated log messages of the dashboard.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Critical, "{Failure} The application stops.")]
    public static partial void NoAccessRule(ILogger logger, Exception exception, string failure);
}
