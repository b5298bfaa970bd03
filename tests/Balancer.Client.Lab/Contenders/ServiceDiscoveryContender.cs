using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Lab;

/// <summary>
/// What a .NET user gets today: Microsoft.Extensions.ServiceDiscovery with endpoints from configuration
/// (<c>Services:catalog:http:N = 127.0.0.1:port</c>) and its round-robin endpoint selector.
/// </summary>
internal sealed class ServiceDiscoveryContender : LabContender
{
    public const string ContenderName = "ServiceDiscovery";

    public override string Name => ContenderName;

    public override string Description => "Microsoft.Extensions.ServiceDiscovery 10.11.0, configuration endpoints, its round-robin selector";

    public override Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var settings = context.Backends.Backends
            .Select((b, i) => KeyValuePair.Create<string, string?>(string.Create(CultureInfo.InvariantCulture, $"Services:catalog:http:{i}"), string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{b.Port}")))
            .ToArray();
        var providers = new ServiceProvider[context.Plan.Clients];
        var clients = new HttpClient[providers.Length];
        for (var i = 0; i < providers.Length; i++)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            services.AddServiceDiscovery();
            services.AddHttpClient("catalog", c =>
            {
                c.BaseAddress = new Uri("http://catalog/");
                c.Timeout = context.Plan.Timeout;
            }).AddServiceDiscovery();
            providers[i] = services.BuildServiceProvider();
            clients[i] = providers[i].GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
        }

        return Task.FromResult(new ContenderClients(clients, async () =>
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync().ConfigureAwait(false);
            }
        }));
    }
}
