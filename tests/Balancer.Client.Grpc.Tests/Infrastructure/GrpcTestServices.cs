using Balancer.Client.Grpc.Tests.Echo;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Grpc.Tests.Infrastructure;

public static class GrpcTestServices
{
    /// <summary>A container with one balanced gRPC client of the Echo service named <paramref name="name"/>.</summary>
    public static ServiceProvider Build(string name, GrpcBackends backends, Action<BalancerOptions>? configure = null, Action<IHttpClientBuilder>? client = null, Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        var builder = collection.AddGrpcClient<Echo.Echo.EchoClient>(name).AddBalancer(o =>
        {
            foreach (var backend in backends.All)
            {
                o.AddEndpoint(backend.Address);
            }

            configure?.Invoke(o);
        });
        client?.Invoke(builder);
        services?.Invoke(collection);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public static Echo.Echo.EchoClient Echo(this ServiceProvider provider, string name) =>
        provider.GetRequiredService<global::Grpc.Net.ClientFactory.GrpcClientFactory>().CreateClient<Echo.Echo.EchoClient>(name);

    /// <summary>Runs <paramref name="total"/> unary calls, <paramref name="concurrency"/> at a time; returns the failures.</summary>
    public static async Task<List<Exception>> CallAsync(this Echo.Echo.EchoClient client, int total, int concurrency)
    {
        var failures = new List<Exception>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < total)
            {
                try
                {
                    await client.UnaryAsync(new EchoRequest { Text = "hi" }, deadline: DateTime.UtcNow.AddSeconds(10));
                }
                catch (Exception exception)
                {
                    lock (failures)
                    {
                        failures.Add(exception);
                    }
                }
            }
        }));
        return failures;
    }
}
