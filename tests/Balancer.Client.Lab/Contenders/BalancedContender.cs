using Balancer.Client.Selection;
using Balancer.Client.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Lab;

/// <summary>A built-in selector of Balancer.Client, through <c>AddBalancedHttpClient</c> with default options, optionally with <c>AddBalancerHedging()</c>.</summary>
internal sealed class BalancedContender(string selector, bool hedging = false) : LabContender
{
    public const string ClientName = "catalog";

    public override string Name => hedging ? $"{selector}+Hedging" : selector;

    public override bool NeedsLoadReports => selector == EndpointSelectorNames.Prequal;

    public override string Description => hedging
        ? $"Balancer.Client, selector {selector}, with AddBalancerHedging() (default options)"
        : NeedsLoadReports
            ? $"Balancer.Client, selector {selector} (default options), backends with UseBalancerLoadReports()"
            : $"Balancer.Client, selector {selector} (default options)";

    public override Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var providers = new ServiceProvider[context.Plan.Clients];
        var clients = new HttpClient[providers.Length];
        for (var i = 0; i < providers.Length; i++)
        {
            // Each client instance is its own container, as independent processes are: own stats, own selector.
            var services = new ServiceCollection();
            services.AddLogging();
            var builder = services
                .AddBalancedHttpClient(ClientName, o =>
                {
                    o.Selector = selector;
                    o.AddEndpoints(context.Backends.Backends);
                })
                .ConfigureHttpClient(c => c.Timeout = context.Plan.Timeout);
            if (hedging)
            {
                builder.AddBalancerHedging();
            }

            providers[i] = services.BuildServiceProvider();
            clients[i] = providers[i].GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
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
