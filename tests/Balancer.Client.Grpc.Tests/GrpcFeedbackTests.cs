using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using Google.Protobuf;
using Grpc.Core;
using Balancer.Client.Grpc.Tests.Echo;
using Grpc.Net.Client.Configuration;

namespace Balancer.Client.Grpc.Tests;

public sealed class GrpcFeedbackTests
{
    [Fact]
    public async Task OrcaLoadReports_InTheTrailer_ReachTheEndpoint_AndACustomSelectorRuns()
    {
        await using var backends = await GrpcBackends.StartAsync(2);
        backends[0].LoadReport = OrcaReport(cpu: 0.25, application: 0.75, named: ("queue", 3));
        var selector = new PortSelector(backends[0].Port);
        await using var provider = GrpcTestServices.Build("echo", backends, client: b => b.UseEndpointSelector("first", _ => selector));

        var client = provider.Echo("echo");

        // Until server-0's subchannel is READY the selector sees only server-1 and takes it; once READY, it stays so.
        await Eventually.UntilAsync(() => backends[0].Received > 0, async () => (await client.CallAsync(1, 1)).Should().BeEmpty());

        backends.ResetCounters();
        (await client.CallAsync(20, 1)).Should().BeEmpty();

        backends[0].Received.Should().Be(20, "the custom selector always picks server-0");
        var load = selector.Seen!.Single(e => e.Address.Port == backends[0].Port).Stats.ServerLoad;
        load.Should().NotBeNull();
        load!.CpuUtilization.Should().Be(0.25);
        load.Utilization.Should().Be(0.75);
        load.NamedMetrics.Should().Contain("queue", 3);
    }

    [Fact]
    public async Task ARetriedCall_PicksAgain_AndLandsElsewhere()
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        backends[0].FailWith = StatusCode.Unavailable;
        var retry = new ServiceConfig
        {
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { MethodName.Default },
                    RetryPolicy = new RetryPolicy { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5), BackoffMultiplier = 1, RetryableStatusCodes = { StatusCode.Unavailable } },
                },
            },
        };
        await using var provider = GrpcTestServices.Build(
            "echo",
            backends,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.Health.OutlierDetection.Enabled = false; // keep it in the rotation: every call to it must be retried elsewhere
            },
            client: b => b.ConfigureChannel(c => c.ServiceConfig = retry));

        var failures = await provider.Echo("echo").CallAsync(90, 1);

        failures.Should().BeEmpty();
        backends[0].Received.Should().BeGreaterThan(10, "round robin keeps sending first attempts to it; {0}", backends.Describe());
    }

    [Fact]
    public async Task AnExpiredDeadline_IsAFailureOfTheEndpoint_ACallersCancellationIsNotRecorded()
    {
        await using var backends = await GrpcBackends.StartAsync(1);
        await using var provider = GrpcTestServices.Build("echo", backends, o => o.Health.OutlierDetection.Enabled = false);
        var client = provider.Echo("echo");
        var inspector = provider.GetRequiredService<Balancer.Client.Inspection.IBalancerInspector>();

        // One call first, so the subchannel is connected: on a busy machine a first call's 200 ms deadline could
        // otherwise expire while the channel is still connecting, before any endpoint was picked.
        (await client.CallAsync(1, 1)).Should().BeEmpty();
        await Eventually.UntilAsync(() => inspector.GetSnapshot("echo")!.Endpoints.Single() is { InFlight: 0, TotalRequests: 1 });
        backends[0].Delay = TimeSpan.FromSeconds(5);

        var expired = async () => await client.UnaryAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddMilliseconds(200));
        (await expired.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.DeadlineExceeded);
        using (var canceled = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            var cancel = async () => await client.UnaryAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: canceled.Token);
            (await cancel.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.Cancelled);
        }

        // The calls' completions reach the tracker as grpc-dotnet tears them down, which may be just after the caller
        // saw the exception: wait, bounded, until nothing is in flight.
        await Eventually.UntilAsync(() => inspector.GetSnapshot("echo")!.Endpoints.Single() is { InFlight: 0, TotalRequests: > 1 });
        var endpoint = inspector.GetSnapshot("echo")!.Endpoints.Single();
        endpoint.TotalFailures.Should().Be(1, "the expired deadline counts against the endpoint");
        endpoint.TotalRequests.Should().Be(2, "the warm-up call and the expired deadline; the caller's cancellation is not recorded");
        endpoint.InFlight.Should().Be(0);
    }

    private static byte[] OrcaReport(double cpu, double application, (string Name, double Value) named)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(1, WireFormat.WireType.Fixed64);
        output.WriteDouble(cpu);
        output.WriteTag(9, WireFormat.WireType.Fixed64);
        output.WriteDouble(application);
        using var entryBuffer = new MemoryStream();
        var entry = new CodedOutputStream(entryBuffer);
        entry.WriteTag(1, WireFormat.WireType.LengthDelimited);
        entry.WriteString(named.Name);
        entry.WriteTag(2, WireFormat.WireType.Fixed64);
        entry.WriteDouble(named.Value);
        entry.Flush();
        output.WriteTag(8, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(entryBuffer.ToArray()));
        output.Flush();
        return buffer.ToArray();
    }

    private sealed class PortSelector(int port) : IEndpointSelector
    {
        public IReadOnlyList<BalancerEndpoint>? Seen { get; private set; }

        public BalancerEndpoint? Select(in SelectionContext context)
        {
            Seen = context.Endpoints;
            return context.Endpoints.FirstOrDefault(e => e.Address.Port == port) ?? context.Endpoints[0];
        }
    }
}

public sealed class GrpcEndpointSourceTests
{
    [Fact]
    public async Task EndpointsFromASource_FeedTheChannel_AndItsChangesReachThePicker()
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        var source = new Balancer.Client.Endpoints.ManualEndpointSource();
        var services = new ServiceCollection();
        services.AddGrpcClient<Echo.Echo.EchoClient>("echo").AddBalancer(o => o.Selector = Balancer.Client.Selection.EndpointSelectorNames.RoundRobin).AddEndpointSource(_ => source);
        await using var provider = services.BuildServiceProvider();
        source.SetAddresses(backends[0].Address, backends[1].Address); // before the client starts: its first set
        var client = provider.Echo("echo");
        (await client.CallAsync(30, 2)).Should().BeEmpty();

        source.SetAddresses(backends[1].Address, backends[2].Address);
        await Eventually.UntilAsync(() => backends[2].Received > 0, async () => (await client.CallAsync(5, 1)).Should().BeEmpty());

        backends.ResetCounters();
        (await client.CallAsync(60, 2)).Should().BeEmpty();
        backends[0].Received.Should().Be(0, "server-0 left the source's set; {0}", backends.Describe());
        // server-2 already answered above; as an endpoint a source added it ramps up through slow start, so its share
        // of these 60 calls may still be small.
        backends[1].Received.Should().BeGreaterThan(0);
        (backends[1].Received + backends[2].Received).Should().Be(60);
    }
}
