// An ASP.NET Core minimal API that calls another service ("catalog") through a balanced HttpClient: options from
// appsettings.json (reloaded live), retry on another instance, metrics to the console through OpenTelemetry.
using Balancer.Client.Testing;
using OpenTelemetry.Metrics;
using WebApiClient;

var builder = WebApplication.CreateBuilder(args);

// Three local stand-ins for the catalog service, one of them slow and flaky. In a real service the endpoints are in
// appsettings.json (Balancer:Clients:catalog:Endpoints) or come from service discovery.
await using var catalog = await BackendCluster.StartAsync(3, (i, o) =>
{
    o.Name = $"catalog-{i}";
    o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(i == 2 ? 80 : 10);
    o.Behavior.FailureRate = i == 2 ? 0.2 : 0;
});
builder.Configuration.AddInMemoryCollection(catalog.Select((b, i) =>
    KeyValuePair.Create($"Balancer:Clients:catalog:Endpoints:{i}:Address", (string?)b.Address.ToString())));

builder.Services
    .AddBalancedHttpClient<CatalogClient, CatalogClient>("catalog") // options: Balancer:Clients:catalog, live reload
    .AddBalancerRetry();                                          // a failed GET is retried on another instance

builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter("Balancer.Client")
    .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 15_000));

var app = builder.Build();
app.MapGet("/", () => "Try /products/42. Edit Balancer:Clients:catalog:Selector in appsettings.json while it runs.");
app.MapGet("/products/{id:int}", (int id, CatalogClient catalogClient, CancellationToken ct) => catalogClient.GetProductAsync(id, ct));

if (!args.Contains("--smoke"))
{
    app.Run();
    return 0;
}

// --smoke: serve on a free loopback port, call ourselves 100 times, report and exit (used by the tests).
app.Urls.Add("http://127.0.0.1:0");
await app.StartAsync();
using var self = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
var failed = 0;
for (var i = 0; i < 100; i++)
{
    using var response = await self.GetAsync($"/products/{i}");
    failed += response.IsSuccessStatusCode ? 0 : 1;
}

Console.WriteLine($"100 calls through the API: {failed} failed; catalog requests: {string.Join(", ", catalog.Select(b => $"{b.Name} {b.RequestsReceived}"))}");
await app.StopAsync();
return failed == 0 ? 0 : 1;
