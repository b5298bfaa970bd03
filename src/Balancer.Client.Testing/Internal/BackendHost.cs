using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Balancer.Client.Testing.Internal;

/// <summary>
/// One run of a backend: a bare Kestrel server (no logging, no configuration files) on 127.0.0.1. Stopping aborts
/// the requests it still holds and closes the listening socket, so that new connections are refused.
/// </summary>
internal sealed class BackendHost : IAsyncDisposable
{
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private BackendHost(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Starts a host on <paramref name="port"/> (0 for an ephemeral port).</summary>
    public static async Task<BackendHost> StartAsync(BackendState state, int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(BackendHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = s_shutdownTimeout);

        var host = new BackendHost(builder.Build());
        try
        {
            var handler = new BackendRequestHandler(state, host._stopping.Token);
            state.ConfigurePipeline?.Invoke(host._app);
            ((IApplicationBuilder)host._app).Run(handler.HandleAsync);
            await host._app.StartAsync(cancellationToken).ConfigureAwait(false);
            host.Port = new Uri(host._app.Urls.First()).Port;
            return host;
        }
        catch
        {
            // Not started: nothing to stop, only to release.
            await host._app.DisposeAsync().ConfigureAwait(false);
            host._stopping.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var timeout = new CancellationTokenSource(s_shutdownTimeout))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
