using System.Text.Json.Serialization.Metadata;
using Balancer.Client.Inspection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>The request handlers of the dashboard: plain request delegates, no reflection-based binding.</summary>
internal static class DashboardHandlers
{
    /// <summary>
    /// The page runs only its own inline script and style, and may only call back to its own origin: nothing else loads,
    /// even if a snapshot held hostile text (which the page also only ever writes as text).
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static readonly RequestDelegate WritePageAsync = context =>
    {
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        var page = DashboardPage.Content;
        response.ContentLength = page.Length;
        return response.Body.WriteAsync(page, context.RequestAborted).AsTask();
    };

    public static RequestDelegate WriteSnapshots(AddressRedactor addresses) => context =>
    {
        var inspector = context.RequestServices.GetRequiredService<IBalancerInspector>();
        var document = SnapshotDocument.From(inspector.GetSnapshots(), Now(context), addresses);
        return WriteJsonAsync(context, document, DashboardJsonContext.Default.SnapshotDocument);
    };

    public static RequestDelegate WriteSnapshot(AddressRedactor addresses) => context =>
    {
        var name = context.Request.RouteValues["client"] as string ?? string.Empty;
        var inspector = context.RequestServices.GetRequiredService<IBalancerInspector>();
        if (inspector.GetSnapshot(name) is not { } snapshot)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }

        return WriteJsonAsync(context, ClientDocument.From(snapshot, addresses), DashboardJsonContext.Default.ClientDocument);
    };

    private static Task WriteJsonAsync<T>(HttpContext context, T document, JsonTypeInfo<T> typeInfo)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.WriteAsJsonAsync(document, typeInfo, contentType: null, context.RequestAborted);
    }

    private static DateTimeOffset Now(HttpContext context) =>
        (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
}
