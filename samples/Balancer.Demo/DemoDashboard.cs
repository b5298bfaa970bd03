using System.Net;
using Balancer.Client.Inspection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Balancer.Demo;

/// <summary>
/// The live dashboard of Balancer.Client.AspNetCore, served on 127.0.0.1 while the demo runs. Each selector runs in a
/// fresh container, so the dashboard reads through <see cref="CurrentInspector"/>, which points at the one running now.
/// </summary>
internal sealed class DemoDashboard : IAsyncDisposable
{
    public const string Path = "/balancer";

    private readonly WebApplication _app;

    private DemoDashboard(WebApplication app, CurrentInspector inspector, Uri address)
    {
        _app = app;
        Inspector = inspector;
        Address = address;
    }

    public Uri Address { get; }

    public CurrentInspector Inspector { get; }

    /// <summary>Starts the dashboard on 127.0.0.1:<paramref name="port"/> (0 for any free port).</summary>
    public static async Task<DemoDashboard> StartAsync(int port, CancellationToken cancellationToken)
    {
        var inspector = new CurrentInspector();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton<IBalancerInspector>(inspector);
        var app = builder.Build();
        app.MapBalancerDashboard(Path, o => o.AllowAnonymous = true); // bound to 127.0.0.1 only: open on purpose
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DemoDashboard(app, inspector, new Uri(new Uri(bound), Path));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Forwards to the inspector of the container that runs now; empty between two containers.</summary>
    internal sealed class CurrentInspector : IBalancerInspector
    {
        private IBalancerInspector? _current;

        /// <summary>Shows the balanced clients of <paramref name="services"/> from now on.</summary>
        public void Watch(IServiceProvider services) =>
            Volatile.Write(ref _current, services.GetRequiredService<IBalancerInspector>());

        public BalancerClientSnapshot? GetSnapshot(string clientName) => Volatile.Read(ref _current)?.GetSnapshot(clientName);

        public IReadOnlyList<BalancerClientSnapshot> GetSnapshots() => Volatile.Read(ref _current)?.GetSnapshots() ?? [];
    }
}
