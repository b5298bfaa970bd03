using System.Net;
using Balancer.Client.Grpc;
using Balancer.Client.Grpc.Internal;
using Balancer.Client.Grpc.Tests.Echo;
using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Benchmarks;

/// <summary>Echo servers on 127.0.0.1 for the gRPC benchmarks: one Kestrel app (HTTP/2 without TLS) on several ports.</summary>
internal static class GrpcBenchServers
{
    public static (WebApplication App, int[] Ports) Start(int count)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            for (var i = 0; i < count; i++)
            {
                k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
            }
        });
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        app.StartAsync().GetAwaiter().GetResult();
        return (app, [.. app.Urls.Select(u => new Uri(u).Port)]);
    }

    private sealed class EchoService : Echo.EchoBase
    {
        private static readonly Task<EchoReply> s_reply = Task.FromResult(new EchoReply { Text = "ok" });

        public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context) => s_reply;
    }
}

/// <summary>
/// One unary call over loopback to two echo servers, sent sequentially: grpc-dotnet's own round_robin (baseline) and
/// this package's policies on the same channel type (<see cref="BalancerGrpcChannel.ForClient"/>: resolver, picker,
/// call tracker and feedback handler), and a plain <c>GrpcChannel.ForAddress("balancer:///...")</c> without the
/// feedback handler (outcomes from the channel alone).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class GrpcCallBenchmarks
{
    private static readonly EchoRequest s_request = new() { Text = "hi" };
    private WebApplication _servers = null!;
    private ServiceProvider _grpcServices = null!;
    private ServiceProvider _ourServices = null!;
    private GrpcChannel[] _channels = [];
    private Echo.EchoClient _roundRobin = null!;
    private Echo.EchoClient _peakEwma = null!;
    private Echo.EchoClient _ourRoundRobin = null!;
    private Echo.EchoClient _channelOnly = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_servers, var ports) = GrpcBenchServers.Start(2);
        var grpc = new ServiceCollection();
        grpc.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => [.. ports.Select(p => new BalancerAddress("127.0.0.1", p))]));
        _grpcServices = grpc.BuildServiceProvider();
        var roundRobin = GrpcChannel.ForAddress("static:///echo", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = _grpcServices,
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
        });

        var ours = new ServiceCollection();
        ours.AddHttpClient("ewma").AddBalancer(o => Add(o, ports));
        ours.AddHttpClient("rr").AddBalancer(o => Add(o, ports).Selector = Balancer.Client.Selection.EndpointSelectorNames.RoundRobin);
        _ourServices = ours.BuildServiceProvider();
        var peakEwma = BalancerGrpcChannel.ForClient(_ourServices, "ewma");
        var ourRoundRobin = BalancerGrpcChannel.ForClient(_ourServices, "rr");
        var channelOnly = GrpcChannel.ForAddress("balancer:///ewma", new GrpcChannelOptions { Credentials = ChannelCredentials.Insecure, ServiceProvider = _ourServices });
        _channels = [roundRobin, peakEwma, ourRoundRobin, channelOnly];
        _channelOnly = new Echo.EchoClient(channelOnly);
        _roundRobin = new Echo.EchoClient(roundRobin);
        _peakEwma = new Echo.EchoClient(peakEwma);
        _ourRoundRobin = new Echo.EchoClient(ourRoundRobin);
        foreach (var client in new[] { _roundRobin, _peakEwma, _ourRoundRobin, _channelOnly })
        {
            for (var i = 0; i < 20; i++)
            {
                if (client.Unary(s_request).Text != "ok")
                {
                    throw new InvalidOperationException("Unexpected reply.");
                }
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _ourServices.Dispose();
        _grpcServices.Dispose();
        _servers.StopAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "grpc-dotnet round_robin")]
    public async Task<string> GrpcRoundRobin() => (await _roundRobin.UnaryAsync(s_request)).Text;

    [Benchmark(Description = "Balancer peak_ewma")]
    public async Task<string> BalancerPeakEwma() => (await _peakEwma.UnaryAsync(s_request)).Text;

    [Benchmark(Description = "Balancer round_robin")]
    public async Task<string> BalancerRoundRobin() => (await _ourRoundRobin.UnaryAsync(s_request)).Text;

    [Benchmark(Description = "Balancer peak_ewma, channel only")]
    public async Task<string> BalancerChannelOnly() => (await _channelOnly.UnaryAsync(s_request)).Text;

    private static BalancerOptions Add(BalancerOptions options, int[] ports)
    {
        foreach (var port in ports)
        {
            options.AddEndpoint($"http://127.0.0.1:{port}");
        }

        return options;
    }
}

/// <summary>
/// One pick through the picker of a live balanced channel, with the call tracker's start and completion (what the
/// channel does for every call, without the call): must allocate nothing.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class GrpcPickBenchmarks
{
    private readonly CompletionContext _completion = new();
    private WebApplication _servers = null!;
    private ServiceProvider _services = null!;
    private GrpcChannel _channel = null!;
    private BalancerPicker _picker = null!;
    private PickContext _context = null!;

    [Params(2, 16)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_servers, var ports) = GrpcBenchServers.Start(Endpoints);
        var capture = new CapturingFactory();
        var services = new ServiceCollection();
        services.AddSingleton<LoadBalancerFactory>(capture); // before the package's own: the channel takes the first of a name
        services.AddHttpClient("pick").AddBalancer(o =>
        {
            foreach (var port in ports)
            {
                o.AddEndpoint($"http://127.0.0.1:{port}");
            }
        });
        _services = services.BuildServiceProvider();
        _channel = BalancerGrpcChannel.ForClient(_services, "pick");
        var client = new Echo.EchoClient(_channel);
        for (var i = 0; i < 50 * Endpoints; i++)
        {
            client.Unary(new EchoRequest());
        }

        _picker = capture.Balancer!.CurrentPicker ?? throw new InvalidOperationException("No picker.");
        _context = new PickContext { Request = new HttpRequestMessage(HttpMethod.Post, "http://pick/balancer.test.Echo/Unary") };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Dispose();
        _services.Dispose();
        _servers.StopAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "pick + start + complete")]
    public Subchannel? PickAndComplete()
    {
        var result = _picker.Pick(_context);
        var tracker = result.SubchannelCallTracker!;
        tracker.Start();
        tracker.Complete(_completion);
        return result.Subchannel;
    }

    private sealed class CapturingFactory : LoadBalancerFactory
    {
        public BalancerLoadBalancer? Balancer { get; private set; }

        public override string Name => BalancerGrpcPolicyNames.PeakEwma;

        public override LoadBalancer Create(LoadBalancerOptions options)
        {
            var balancer = new BalancerLoadBalancer(options.Controller, options.LoggerFactory, Name);
            Balancer = balancer;
            return balancer;
        }
    }
}
