using Balancer.Client.Inspection;
using Grpc.Health.V1;

namespace Balancer.Client.Grpc.Tests;

public sealed class GrpcHealthTests
{
    [Fact]
    public async Task ActiveChecks_UseTheGrpcHealthProtocol_AndTakeANotServingServerOut()
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        backends[1].Health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.NotServing);
        await using var provider = GrpcTestServices.Build("echo", backends, o =>
        {
            o.Health.ActiveChecks.Enabled = true;
            o.Health.ActiveChecks.Interval = TimeSpan.FromMilliseconds(200);
        });
        var inspector = provider.GetRequiredService<IBalancerInspector>();
        var client = provider.Echo("echo");
        (await client.CallAsync(10, 1)).Should().BeEmpty();
        await Eventually.UntilAsync(() => Status(inspector, backends[1]) == EndpointHealthStatus.FailingHealthChecks);
        backends.ResetCounters();

        (await client.CallAsync(200, 2)).Should().BeEmpty();

        backends[1].Received.Should().Be(0, "a server whose health service says NOT_SERVING is out; {0}", backends.Describe());
        Status(inspector, backends[0]).Should().Be(EndpointHealthStatus.Healthy, "SERVING servers pass the same check");

        // SERVING again: it is checked back in.
        backends[1].Health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        await Eventually.UntilAsync(() => Status(inspector, backends[1]) is EndpointHealthStatus.Healthy or EndpointHealthStatus.SlowStart);
    }

    [Fact]
    public async Task AServerThatComesBack_RejoinsThroughSlowStart()
    {
        await using var backends = await GrpcBackends.StartAsync(2);
        await using var provider = GrpcTestServices.Build("echo", backends, o => o.Health.SlowStart.Window = TimeSpan.FromSeconds(30));
        var inspector = provider.GetRequiredService<IBalancerInspector>();
        var client = provider.Echo("echo");
        (await client.CallAsync(50, 2)).Should().BeEmpty();
        Status(inspector, backends[1]).Should().Be(EndpointHealthStatus.Healthy, "the first connection does not ramp");

        await backends[1].StopAsync();
        await client.CallAsync(50, 2); // its subchannel sees the refusal and leaves the picker
        await backends[1].RestartAsync();

        await Eventually.UntilAsync(() => Status(inspector, backends[1]) == EndpointHealthStatus.SlowStart, async () => await client.CallAsync(10, 1));
    }

    private static EndpointHealthStatus Status(IBalancerInspector inspector, GrpcBackend backend) =>
        inspector.GetSnapshot("echo")!.Endpoints.Single(e => e.Address.Port == backend.Port).Health;
}
