using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.AspNetCore.Tests.Infrastructure;

/// <summary>A real ASP.NET Core application on 127.0.0.1 (ephemeral port) with balanced clients and the dashboard mapped.</summary>
internal sealed class DashboardApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The root of the application, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>A plain client for the application itself (not balanced).</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="services">Registers the application's services (balanced clients, authorization…).</param>
    /// <param name="map">Maps the dashboard; <c>app.MapBalancerDashboard()</c> when not given.</param>
    /// <param name="environment">The host environment: Development unless a test is about another one.</param>
    public static async Task<DashboardApp> StartAsync(Action<IServiceCollection> services, Action<WebApplication>? map = null, string environment = "Development")
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        services(builder.Services);
        var app = builder.Build();
        if (map is null)
        {
            app.MapBalancerDashboard();
        }
        else
        {
            map(app);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardApp(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Creates the balanced client of that name, which starts it (it appears in snapshots from then on).</summary>
    public HttpClient CreateClient(string name) => Services.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
