using Balancer.Client.Grpc.Tests.Echo;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;
using Grpc.Core;

namespace Balancer.Client.Grpc.Tests;

public sealed class GrpcBalancingTests
{
    [Theory]
    [InlineData(EndpointSelectorNames.PeakEwma)]
    [InlineData(EndpointSelectorNames.RoundRobin)]
    [InlineData(EndpointSelectorNames.PowerOfTwoChoices)]
    [InlineData(EndpointSelectorNames.MlScored)]
    public async Task UnaryCalls_ReachEveryServer_ThroughTheSelectorsPolicy(string selector)
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        await using var provider = GrpcTestServices.Build("echo", backends, o => o.Selector = selector);

        var failures = await provider.Echo("echo").CallAsync(300, 4);

        failures.Should().BeEmpty();
        // Latency-learning selectors may leave a server whose first call paid for its connection aside for a while;
        // the rotating ones reach every server.
        var reached = backends.All.Count(b => b.Received > 0);
        reached.Should().BeGreaterThanOrEqualTo(selector is EndpointSelectorNames.PeakEwma or EndpointSelectorNames.MlScored ? 2 : 3, "calls should spread; {0}", backends.Describe());
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("echo")!;
        snapshot.SelectorName.Should().Be(selector);
        snapshot.Transport.Should().Be("gRPC");
        snapshot.Endpoints.Sum(e => e.TotalRequests).Should().Be(300, "every call is recorded once");
    }

    [Fact]
    public async Task PeakEwma_AvoidsTheSlowServer()
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        backends[2].Delay = TimeSpan.FromMilliseconds(60);
        await using var provider = GrpcTestServices.Build("echo", backends);
        var client = provider.Echo("echo");
        (await client.CallAsync(60, 4)).Should().BeEmpty();
        backends.ResetCounters();

        (await client.CallAsync(400, 4)).Should().BeEmpty();

        // Round robin would send it a third; a latency-aware pick sends it a small share.
        backends.ShareOf(2).Should().BeLessThan(0.15, "the slow server should be avoided; {0}", backends.Describe());
    }

    [Fact]
    public async Task ManyCalls_LeaveNothingInFlight_AndAStreamCountsForItsWholeLife()
    {
        await using var backends = await GrpcBackends.StartAsync(2);
        await using var provider = GrpcTestServices.Build("echo", backends);
        var client = provider.Echo("echo");
        var inspector = provider.GetRequiredService<IBalancerInspector>();

        (await client.CallAsync(2000, 8)).Should().BeEmpty();
        var streams = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var call = client.Stream(new StreamRequest { Count = 3 });
            var count = 0;
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                count++;
            }

            return count;
        }));
        streams.Should().AllBeEquivalentTo(3);
        inspector.GetSnapshot("echo")!.Endpoints.Should().OnlyContain(e => e.InFlight == 0);

        // A stream held open after its first message is in flight until it ends.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var backend in backends.All)
        {
            backend.StreamGate = gate;
        }

        using (var held = client.Stream(new StreamRequest { Count = 2 }))
        {
            (await held.ResponseStream.MoveNext(CancellationToken.None)).Should().BeTrue();
            inspector.GetSnapshot("echo")!.Endpoints.Sum(e => e.InFlight).Should().Be(1, "the open stream is in flight");
            gate.SetResult();
            while (await held.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }

        inspector.GetSnapshot("echo")!.Endpoints.Should().OnlyContain(e => e.InFlight == 0);
    }

    [Fact]
    public async Task Unavailable_FromOneServer_EjectsIt_AndApplicationErrorsDoNot()
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        backends[0].FailWith = StatusCode.Unavailable;
        backends[1].FailWith = StatusCode.NotFound;
        await using var provider = GrpcTestServices.Build("echo", backends, o => o.Selector = EndpointSelectorNames.RoundRobin);
        var client = provider.Echo("echo");

        await client.CallAsync(60, 2);

        var endpoints = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("echo")!.Endpoints;
        endpoints.Single(e => e.Address.Port == backends[0].Port).Health.Should().Be(EndpointHealthStatus.Ejected);
        endpoints.Single(e => e.Address.Port == backends[1].Port).Health.Should().Be(EndpointHealthStatus.Healthy, "NOT_FOUND is the application's answer");
        endpoints.Single(e => e.Address.Port == backends[1].Port).TotalFailures.Should().Be(0);
    }
}
