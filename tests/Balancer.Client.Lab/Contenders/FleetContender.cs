using Balancer.Client.Testing;
using ServiceDiscovery;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Lab;

/// <summary>
/// A built-in selector of Balancer.Client whose client instances form a fleet through a real etcd started for the run
/// (the ServiceDiscovery sample's <see cref="LocalEtcd"/>; <c>AddEtcdFleet</c>: membership, deterministic aperture, warm start, shared ejection), so that the lab compares
/// a fleet that coordinates with one whose instances balance alone.
/// </summary>
internal sealed class FleetContender(string selector, int apertureSize = 8) : LabContender
{
    private readonly string? _etcd = LocalEtcd.FindBinary();

    public override string Name => $"{selector}+Fleet";

    public override string Description => $"Balancer.Client, selector {selector}, client instances in an etcd fleet (AddEtcdFleet, aperture size {apertureSize}, defaults otherwise)";

    public override string? UnavailableReason => _etcd is null ? "etcd is not installed on this machine (bash eng/install-etcd.sh installs it)" : null;

    public override async Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var etcd = await LocalEtcd.StartAsync(_etcd!).ConfigureAwait(false);
        var providers = new ServiceProvider[context.Plan.Clients];
        var clients = new HttpClient[providers.Length];
        var prefix = $"/lab/{context.Seed}/{Guid.NewGuid():N}/";
        for (var i = 0; i < providers.Length; i++)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            var member = i;
            services
                .AddBalancedHttpClient(BalancedContender.ClientName, o =>
                {
                    o.Selector = selector;
                    o.AddEndpoints(context.Backends.Backends);
                })
                .ConfigureHttpClient(c => c.Timeout = context.Plan.Timeout)
                .AddEtcdFleet(o =>
                {
                    o.Endpoints = [etcd.ClientUrl];
                    o.Prefix = prefix;
                    o.MemberId = $"lab-{member:000}";
                    o.ApertureSize = apertureSize;
                });
            providers[i] = services.BuildServiceProvider();
            clients[i] = providers[i].GetRequiredService<IHttpClientFactory>().CreateClient(BalancedContender.ClientName);
        }

        return new ContenderClients(clients, async () =>
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync().ConfigureAwait(false);
            }

            await etcd.DisposeAsync().ConfigureAwait(false);
        });
    }
}
