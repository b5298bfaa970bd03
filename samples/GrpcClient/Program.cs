// A gRPC client balanced by Balancer.Client: AddGrpcClient<T>("greeter").AddBalancer(), configured in appsettings.json.
// Three local greeter servers stand in for a real service; the third is slow, and the second stops half-way.
using Grpc.Core;
using Grpc.Net.Client.Configuration;
using GrpcClient;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var calls = args.Contains("--short") ? 400 : 4_000;
GreeterServer[] servers =
[
    await GreeterServer.StartAsync("greeter-1", TimeSpan.FromMilliseconds(2)),
    await GreeterServer.StartAsync("greeter-2", TimeSpan.FromMilliseconds(2)),
    await GreeterServer.StartAsync("greeter-3", TimeSpan.FromMilliseconds(40)),
];

// In your service the endpoints are in appsettings.json; here they point at the local servers' ephemeral ports.
var configuration = new ConfigurationBuilder()
    .AddJsonFile("appsettings.json")
    .AddInMemoryCollection(servers.Select((s, i) =>
        KeyValuePair.Create($"Balancer:Clients:greeter:Endpoints:{i}:Address", (string?)$"http://127.0.0.1:{s.Port}")))
    .Build();

var services = new ServiceCollection();
services.AddSingleton<IConfiguration>(configuration);
services.AddGrpcClient<Greeter.GreeterClient>("greeter")
    .AddBalancer() // options from Balancer:Clients:greeter; the channel's address becomes balancer:///greeter
    .ConfigureChannel(channel => channel.ServiceConfig = new ServiceConfig
    {
        // grpc-dotnet's own retry policy: a retried attempt picks again, so a stopped server costs no call.
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = 4,
                    InitialBackoff = TimeSpan.FromMilliseconds(20),
                    MaxBackoff = TimeSpan.FromMilliseconds(500),
                    BackoffMultiplier = 2,
                    // INTERNAL too: grpc-dotnet reports a call whose connection a stopping server closed that way.
                    RetryableStatusCodes = { StatusCode.Unavailable, StatusCode.Internal },
                },
            },
        },
    });

await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<Greeter.GreeterClient>();

var failed = 0;
var done = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
{
    if (Interlocked.Increment(ref done) == calls / 2)
    {
        Console.WriteLine($"Stopping {servers[1].Name} after {calls / 2} calls.");
        await servers[1].StopAsync();
    }

    try
    {
        await client.SayHelloAsync(new HelloRequest { Name = $"call {i}" }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
    }
    catch (RpcException)
    {
        Interlocked.Increment(ref failed);
    }
});

// A server stream is counted in flight on its server until it ends.
using (var stream = client.SayHellos(new HelloRequest { Name = "stream" }))
{
    await foreach (var reply in stream.ResponseStream.ReadAllAsync())
    {
        Console.WriteLine($"  stream: {reply.Message} from {reply.Server}");
    }
}

Console.WriteLine($"{calls} calls through the balanced gRPC client: {failed} failed.");
foreach (var server in servers)
{
    Console.WriteLine($"  {server.Name,-10} 127.0.0.1:{server.Port,-6} {server.Calls,6} calls ({100.0 * server.Calls / calls:F0}%){(server.Delay.TotalMilliseconds > 10 ? "  (slow)" : string.Empty)}");
}

foreach (var server in servers)
{
    await server.DisposeAsync();
}

// The slow server gets the smallest share, and the stopped one costs no call.
return failed == 0 && servers[2].Calls < servers[0].Calls ? 0 : 1;
