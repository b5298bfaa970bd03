// Consumes the packed Balancer.Client package like an application following docs/getting-started.md would: a balanced
// client with the balancer's retry, over one local backend and one endpoint that refuses connections.
using System.Net;
using System.Net.Sockets;

var backendBuilder = WebApplication.CreateBuilder();
backendBuilder.Logging.ClearProviders();
var backend = backendBuilder.Build();
backend.Urls.Add("http://127.0.0.1:0");
backend.MapGet("/hello", () => "hello from the backend");
await backend.StartAsync();

// A port that was just free and is closed again: connections to it are refused.
var closed = new TcpListener(IPAddress.Loopback, 0);
closed.Start();
var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
closed.Stop();

var services = new ServiceCollection();
services.AddBalancedHttpClient("hello", o => o
        .AddEndpoint(backend.Urls.First())
        .AddEndpoint($"http://127.0.0.1:{closedPort}"))
    .AddBalancerRetry();
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("hello");

var answers = 0;
for (var i = 0; i < 20; i++)
{
    if (await client.GetStringAsync("/hello") == "hello from the backend")
    {
        answers++;
    }
}

Console.WriteLine($"balanced requests answered: {answers} of 20");
if (answers == 20)
{
    Console.WriteLine("balanced request answered: hello from the backend");
}

await backend.StopAsync();
return answers == 20 ? 0 : 1;
