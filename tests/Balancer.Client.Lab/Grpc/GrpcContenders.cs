using Balancer.Client.Grpc.Tests.Echo;
using Balancer.Client.Selection;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Lab.Grpc;

/// <summary>What a gRPC contender gets to build its clients for one run.</summary>
internal sealed record GrpcContenderContext(LabPlan Plan, GrpcLabBackends Backends);

/// <summary>The calls of one gRPC contender for one run (one per independent client instance of the scenario), and what to dispose after it.</summary>
internal sealed class GrpcClients(IReadOnlyList<EchoCall> calls, Func<ValueTask> dispose) : IAsyncDisposable
{
    public IReadOnlyList<EchoCall> Calls => calls;

    public ValueTask DisposeAsync() => dispose();
}

/// <summary>One way of spreading gRPC calls that the gRPC mode compares with the others.</summary>
internal abstract class GrpcLabContender
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract GrpcClients Create(GrpcContenderContext context);

    public override string ToString() => Name;

    protected static EchoCall Unary(Echo.EchoClient client) => async (request, options) =>
    {
        using var call = client.UnaryAsync(request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    };
}

/// <summary>A built-in selector of Balancer.Client inside grpc-dotnet's channel: <c>AddGrpcClient&lt;T&gt;().AddBalancer()</c> with default options.</summary>
internal sealed class BalancedGrpcContender(string selector) : GrpcLabContender
{
    public const string ClientName = "catalog";

    public override string Name => selector;

    public override string Description => $"Balancer.Client.Grpc, selector {selector}, AddGrpcClient<T>().AddBalancer() (default options)";

    public override GrpcClients Create(GrpcContenderContext context)
    {
        var providers = new ServiceProvider[context.Plan.Clients];
        var calls = new EchoCall[providers.Length];
        for (var i = 0; i < providers.Length; i++)
        {
            // Each client instance is its own container, as independent processes are: own stats, own selector.
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddGrpcClient<Echo.EchoClient>(ClientName).AddBalancer(o =>
            {
                o.Selector = selector;
                foreach (var backend in context.Backends.Backends)
                {
                    o.AddEndpoint(backend.Address.ToString());
                }
            });
            providers[i] = services.BuildServiceProvider();
            calls[i] = Unary(providers[i].GetRequiredService<GrpcClientFactory>().CreateClient<Echo.EchoClient>(ClientName));
        }

        return new GrpcClients(calls, async () =>
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync().ConfigureAwait(false);
            }
        });
    }
}

/// <summary>
/// grpc-dotnet's own balancing: a plain <see cref="GrpcChannel"/> to <c>static:///catalog</c>, a
/// <see cref="StaticResolverFactory"/> with the servers' addresses and the policy in the service config, in a
/// container of its own (none of Balancer.Client's policies in it).
/// </summary>
internal sealed class GrpcDotnetContender(string policy, Func<LoadBalancingConfig> config) : GrpcLabContender
{
    public const string RoundRobinName = "round_robin";
    public const string PickFirstName = "pick_first";

    public static GrpcDotnetContender RoundRobin { get; } = new(RoundRobinName, () => new RoundRobinConfig());

    public static GrpcDotnetContender PickFirst { get; } = new(PickFirstName, () => new PickFirstConfig());

    public override string Name => policy;

    public override string Description => $"grpc-dotnet {policy} (GrpcChannel, static resolver, default options)";

    public override GrpcClients Create(GrpcContenderContext context)
    {
        var addresses = context.Backends.Backends.Select(b => new BalancerAddress(b.Address.Host, b.Port)).ToArray();
        var providers = new ServiceProvider[context.Plan.Clients];
        var channels = new GrpcChannel[providers.Length];
        var calls = new EchoCall[providers.Length];
        for (var i = 0; i < providers.Length; i++)
        {
            var services = new ServiceCollection();
            services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
            providers[i] = services.BuildServiceProvider();
            channels[i] = GrpcChannel.ForAddress("static:///catalog", new GrpcChannelOptions
            {
                Credentials = ChannelCredentials.Insecure,
                ServiceProvider = providers[i],
                ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { config() } },
            });
            calls[i] = Unary(new Echo.EchoClient(channels[i]));
        }

        return new GrpcClients(calls, async () =>
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            foreach (var provider in providers)
            {
                await provider.DisposeAsync().ConfigureAwait(false);
            }
        });
    }
}

/// <summary>One channel per server and <see cref="OraclePicker"/> choosing among them per call: the best balance the scenario allows, as in the HTTP lab.</summary>
internal sealed class GrpcOracleContender : GrpcLabContender
{
    public override string Name => OracleContender.ContenderName;

    public override string Description => "reads every server's true queue, capacity, service time, stalls and faults; picks the smallest expected time to a good answer (one channel per server)";

    public override GrpcClients Create(GrpcContenderContext context)
    {
        var channels = new List<GrpcChannel>();
        var calls = new EchoCall[context.Plan.Clients];
        for (var i = 0; i < calls.Length; i++)
        {
            var picker = new OraclePicker(context.Backends);
            var clients = context.Backends.Backends.Select(b =>
            {
                var channel = GrpcChannel.ForAddress(b.Address, new GrpcChannelOptions { Credentials = ChannelCredentials.Insecure });
                channels.Add(channel);
                return new Echo.EchoClient(channel);
            }).ToArray();
            calls[i] = async (request, options) =>
            {
                var index = picker.Pick();
                try
                {
                    using var call = clients[index].UnaryAsync(request, options);
                    return await call.ResponseAsync.ConfigureAwait(false);
                }
                finally
                {
                    picker.Done(index);
                }
            };
        }

        return new GrpcClients(calls, () =>
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            return ValueTask.CompletedTask;
        });
    }
}

/// <summary>The gRPC mode's contenders, in the order tables list them.</summary>
internal static class GrpcContenderCatalog
{
    public static IReadOnlyList<GrpcLabContender> All { get; } =
    [
        new BalancedGrpcContender(EndpointSelectorNames.PeakEwma),
        new BalancedGrpcContender(EndpointSelectorNames.PowerOfTwoChoices),
        GrpcDotnetContender.RoundRobin,
        GrpcDotnetContender.PickFirst,
        new GrpcOracleContender(),
    ];

    public static IReadOnlyList<string> AllNames { get; } = [.. All.Select(c => c.Name)];

    public static IReadOnlyList<GrpcLabContender> For(IReadOnlyList<string>? requested) =>
        requested is null ? All : [.. All.Where(c => requested.Contains(c.Name, StringComparer.OrdinalIgnoreCase))];
}
