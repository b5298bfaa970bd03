// Consumes the packed Balancer.Client package like an application would: one local backend, one balanced request.
var backendBuilder = WebApplication.CreateBuilder();
backendBuilder.Logging.ClearProviders();
var backend = backendBuilder.Build();
backend.Urls.Add("http://127.0.0.1:0");
backend.MapGet("/hello", () => "hello from the backend");
await backend.StartAsync();

var services = new ServiceCollection();
services.AddBalancedHttpClient("hello", o => o.AddEndpoint(backend.Urls.First()));
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("hello");

var body = await client.GetStringAsync("/hello");
Console.WriteLine($"balanced request answered: {body}");
await backend.StopAsync();
return body == "hello from the backend" ? 0 : 1;
