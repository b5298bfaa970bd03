using System.Diagnostics;
using Balancer.Client.Grpc.Tests.Echo;
using Balancer.Client.Lab.Grpc;
using Balancer.Client.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace Balancer.Client.Lab.Tests.Grpc;

public sealed class GrpcLabBackendTests
{
    private static readonly Uri s_path = new("work", UriKind.Relative);

    [Fact]
    public async Task Unary_CapacityOne_ServesConcurrentCallsOneAfterAnother()
    {
        await using var backend = await StartAsync(b =>
        {
            b.Capacity = 1;
            b.Distribution = ServiceTimeDistribution.Constant;
            b.MeanServiceTime = TimeSpan.FromMilliseconds(60);
        });
        using var channel = Channel(backend);
        var client = new Echo.EchoClient(channel);
        await client.UnaryAsync(new EchoRequest { Text = "work" });

        var clock = Stopwatch.StartNew();
        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.UnaryAsync(new EchoRequest { Text = "work" }).ResponseAsync));

        // One service slot: the four calls queue behind each other (a server without the gate answers all in ~60 ms).
        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(4 * 55));
        replies.Should().OnlyContain(r => r.Server == "b0");
        backend.RequestsReceived.Should().Be(5);
        backend.QueueLength.Should().Be(0);
    }

    [Fact]
    public async Task Unary_PathSlowdown_AppliesToTheRequestText()
    {
        await using var backend = await StartAsync(b =>
        {
            b.Distribution = ServiceTimeDistribution.Constant;
            b.MeanServiceTime = TimeSpan.FromMilliseconds(40);
            b.PathSlowdown = new Dictionary<string, double>(StringComparer.Ordinal) { ["/slow"] = 10 };
        });
        using var channel = Channel(backend);
        var client = new Echo.EchoClient(channel);
        await client.UnaryAsync(new EchoRequest { Text = "work" });

        var clock = Stopwatch.StartNew();
        await client.UnaryAsync(new EchoRequest { Text = "slow" });

        clock.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(380));
    }

    [Fact]
    public async Task Unary_FailureShareOne_FailsFastAndCountsAs5xx()
    {
        await using var backend = await StartAsync(b => b.FailureRate = 1);
        using var channel = Channel(backend);

        var answer = await Target(channel).SendAsync(0, s_path, post: false, number: 1);

        answer.Outcome.Should().Be(RequestOutcome.Status5xx, answer.Error);
        backend.RequestsReceived.Should().Be(1);
    }

    [Fact]
    public async Task Unary_ResetShareOne_AbortsTheStream()
    {
        await using var backend = await StartAsync(b => b.ResetRate = 1);
        using var channel = Channel(backend);

        var answer = await Target(channel).SendAsync(0, s_path, post: false, number: 1);

        answer.Outcome.Should().Be(RequestOutcome.Reset, answer.Error);
    }

    [Fact]
    public async Task Unary_BlackHole_EndsAtTheDeadline()
    {
        await using var backend = await StartAsync(b => b.BlackHole = true);
        using var channel = Channel(backend);

        var answer = await Target(channel, TimeSpan.FromMilliseconds(300)).SendAsync(0, s_path, post: false, number: 1);

        answer.Outcome.Should().Be(RequestOutcome.Timeout, answer.Error);
    }

    [Fact]
    public async Task StopAndRestart_RefusesWhileStopped_ThenServesOnTheSamePort()
    {
        await using var backend = await StartAsync(_ => { });
        var port = backend.Port;

        await backend.StopAsync();
        using (var channel = Channel(backend))
        {
            var refused = await Target(channel).SendAsync(0, s_path, post: false, number: 1);
            refused.Outcome.Should().Be(RequestOutcome.Refused, refused.Error);
        }

        backend.IsRunning.Should().BeFalse();
        await backend.RestartAsync();
        using (var channel = Channel(backend))
        {
            var served = await Target(channel).SendAsync(0, s_path, post: false, number: 2);
            served.Should().Be(new LoadAnswer(RequestOutcome.Succeeded, "b0"));
        }

        backend.Port.Should().Be(port);
        backend.IsRunning.Should().BeTrue();
    }

    private static Task<GrpcLabBackend> StartAsync(Action<BackendBehavior> configure)
    {
        var behavior = new BackendBehavior { MeanServiceTime = TimeSpan.FromMilliseconds(1) };
        configure(behavior);
        return GrpcLabBackend.StartAsync(new BackendOptions { Name = "b0", Behavior = behavior, Seed = 1, RequestLogCapacity = 0 });
    }

    private static GrpcChannel Channel(GrpcLabBackend backend) =>
        GrpcChannel.ForAddress(backend.Address, new GrpcChannelOptions { Credentials = ChannelCredentials.Insecure });

    private static GrpcLoadTarget Target(GrpcChannel channel, TimeSpan? timeout = null)
    {
        var client = new Echo.EchoClient(channel);
        EchoCall call = async (request, options) =>
        {
            using var unary = client.UnaryAsync(request, options);
            return await unary.ResponseAsync;
        };
        return new GrpcLoadTarget([call], timeout ?? TimeSpan.FromSeconds(10));
    }
}
