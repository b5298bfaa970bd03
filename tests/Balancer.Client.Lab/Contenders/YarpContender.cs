using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

namespace Balancer.Client.Lab;

/// <summary>
/// YARP (Yarp.ReverseProxy 2.3) with its built-in <c>LeastRequests</c> or <c>PowerOfTwoChoices</c> policy as a local
/// proxy hop, run in this process: a Kestrel app on a free 127.0.0.1 port with one catch-all route to one cluster of
/// the run's backends, one app per client instance (a sidecar), disposed after the run. No active health checks (their
/// probes would add requests that the backends count), passive health off (YARP's default), no retries, and YARP's
/// default forwarder client (a pooling <see cref="SocketsHttpHandler"/>). The proxies share the lab's process and
/// thread pool, which a separate proxy process does not.
/// </summary>
internal sealed class YarpContender : ProxyHopContender
{
    public const string LeastRequestsName = "YARP-LeastRequests";
    public const string PowerOfTwoChoicesName = "YARP-PowerOfTwoChoices";

    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly string _policy;

    private YarpContender(string name, string policy)
    {
        Name = name;
        _policy = policy;
    }

    public static YarpContender LeastRequests { get; } = new(LeastRequestsName, LoadBalancingPolicies.LeastRequests);

    public static YarpContender PowerOfTwoChoices { get; } = new(PowerOfTwoChoicesName, LoadBalancingPolicies.PowerOfTwoChoices);

    public override string Name { get; }

    public override string Description => $"YARP 2.3 `{_policy}` as a local proxy hop (in-process Kestrel)";

    protected override async Task<IProxyHop> StartProxyAsync(ContenderContext context) =>
        await YarpProxy.StartAsync(_policy, [.. context.Backends.Backends.Select(b => b.Port)]).ConfigureAwait(false);

    /// <summary>One running YARP app.</summary>
    private sealed class YarpProxy : IProxyHop
    {
        private readonly WebApplication _app;

        private YarpProxy(WebApplication app) => _app = app;

        public int Port { get; private set; }

        public static async Task<YarpProxy> StartAsync(string policy, int[] backendPorts)
        {
            var routes = new[]
            {
                new RouteConfig { RouteId = "lab", ClusterId = "catalog", Match = new RouteMatch { Path = "{**catch-all}" } },
            };
            var clusters = new[]
            {
                new ClusterConfig
                {
                    ClusterId = "catalog",
                    LoadBalancingPolicy = policy,
                    Destinations = backendPorts.ToDictionary(
                        port => string.Create(CultureInfo.InvariantCulture, $"b{port}"),
                        port => new DestinationConfig { Address = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/") },
                        StringComparer.OrdinalIgnoreCase),
                },
            };

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Listen(IPAddress.Loopback, 0);
            });
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = s_shutdownTimeout);
            builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);
            var app = builder.Build();
            app.MapReverseProxy();
            var proxy = new YarpProxy(app);
            try
            {
                await app.StartAsync().ConfigureAwait(false);
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
                proxy.Port = new Uri(address).Port;
                return proxy;
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            using (var timeout = new CancellationTokenSource(s_shutdownTimeout))
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }

            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
