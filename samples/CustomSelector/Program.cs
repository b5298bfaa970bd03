// A selector written from scratch (LeastLoadedSelector.cs), registered by name and chosen in appsettings.json.
using Balancer.Client.Testing;
using CustomSelector;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Three local backends; the third is five times slower. (In your service, the endpoints are in appsettings.json.)
await using var backends = await BackendCluster.StartAsync(3, (i, o) =>
    o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(i == 2 ? 50 : 10));

var configuration = new ConfigurationBuilder()
    .AddJsonFile("appsettings.json")
    .AddInMemoryCollection(backends.Select((b, i) =>
        KeyValuePair.Create($"Balancer:Clients:catalog:Endpoints:{i}:Address", (string?)b.Address.ToString())))
    .Build();

var services = new ServiceCollection();
services.AddSingleton<IConfiguration>(configuration);
services.AddEndpointSelector<LeastLoadedSelector>("LeastLoaded"); // the name appsettings.json uses
services.AddBalancedHttpClient("catalog");                        // options from Balancer:Clients:catalog

await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");

var requests = args.Contains("--short") ? 200 : 2_000;
await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
{
    using var response = await client.GetAsync($"/items/{i}", ct);
    response.EnsureSuccessStatusCode();
});

Console.WriteLine($"{requests} requests through selector 'LeastLoaded':");
foreach (var backend in backends)
{
    Console.WriteLine($"  {backend.Name,-10} {backend.Address,-26} {backend.RequestsReceived,6} requests ({100.0 * backend.RequestsReceived / requests:F0}%)");
}

// The slow backend holds its requests five times longer, so at equal in-flight counts it gets about a fifth of the rest's share.
return backends[2].RequestsReceived < backends[0].RequestsReceived ? 0 : 1;
