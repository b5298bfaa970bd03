using Balancer.Client.Grpc.Tests.Echo;
using Balancer.Client.Inspection;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Balancer.Client.Grpc.Tests;

public sealed class GrpcResilienceTests
{
    private static ServiceConfig RetryOnUnavailable() => new()
    {
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = 5,
                    InitialBackoff = TimeSpan.FromMilliseconds(10),
                    MaxBackoff = TimeSpan.FromMilliseconds(200),
                    BackoffMultiplier = 2,
                    // grpc-dotnet reports a call whose connection the stopping server closed (GOAWAY) as INTERNAL.
                    RetryableStatusCodes = { StatusCode.Unavailable, StatusCode.Internal },
                },
            },
        },
    };

    [Fact]
    public async Task ServerStopsUnderLoad_WithARetryPolicy_NoCallFails()
    {
        await using var backends = await GrpcBackends.StartAsync(3);
        await using var provider = GrpcTestServices.Build("echo", backends, client: b => b.ConfigureChannel(o => o.ServiceConfig = RetryOnUnavailable()));
        var client = provider.Echo("echo");
        (await client.CallAsync(60, 4)).Should().BeEmpty();

        var load = client.CallAsync(1500, 6);
        await Eventually.UntilAsync(() => backends[1].Received > 150);
        await backends[1].StopAsync();
        var failures = await load;

        failures.Should().BeEmpty("a stopped server's calls are retried elsewhere: {0}", string.Join(" | ", failures.Take(3).Select(f => f.Message)));
        backends[0].Received.Should().BeGreaterThan(0);
        backends[2].Received.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Reload_AddsAndRemovesServersUnderLoad_NoCallFails()
    {
        await using var backends = await GrpcBackends.StartAsync(4);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoints:0:Address"] = backends[0].Address,
            ["Endpoints:1:Address"] = backends[1].Address,
            ["Endpoints:2:Address"] = backends[2].Address,
        }).Build();
        var services = new ServiceCollection();
        services.AddGrpcClient<Echo.Echo.EchoClient>("echo").AddBalancer(config);
        await using var provider = services.BuildServiceProvider();
        var client = provider.Echo("echo");
        (await client.CallAsync(90, 3)).Should().BeEmpty();
        backends[3].Received.Should().Be(0, "not configured yet");

        using var stop = new CancellationTokenSource();
        var failures = new List<Exception>();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                failures.AddRange(await client.CallAsync(20, 4));
            }
        });

        // Replace server-2 by server-3 while calls run.
        config["Endpoints:2:Address"] = backends[3].Address;
        config.Reload();
        await Eventually.UntilAsync(() => backends[3].Received > 50);
        var before = backends[2].Received;
        await Eventually.UntilAsync(() => backends[3].Received > 150);
        await backends[2].StopAsync();
        await Eventually.UntilAsync(() => backends[3].Received > 300);
        stop.Cancel();
        await load;

        failures.Should().BeEmpty();
        backends[2].Received.Should().BeLessThanOrEqualTo(before + 8, "the removed server gets at most the calls already picked at the reload");
        provider.GetRequiredService<IBalancerInspector>().GetSnapshot("echo")!.Endpoints.Select(e => e.Address.Port)
            .Should().BeEquivalentTo([backends[0].Port, backends[1].Port, backends[3].Port]);
    }

    [Fact]
    public async Task ChannelsWithoutTheFactory_AreBalancedToo()
    {
        await using var backends = await GrpcBackends.StartAsync(2);
        var services = new ServiceCollection();
        services.AddHttpClient("echo").AddBalancer(o => o.AddEndpoint(backends[0].Address).AddEndpoint(backends[1].Address).Selector = Balancer.Client.Selection.EndpointSelectorNames.RoundRobin);
        await using var provider = services.BuildServiceProvider();

        // With the helper: the feedback handler is in the chain.
        using (var channel = BalancerGrpcChannel.ForClient(provider, "echo"))
        {
            (await new Echo.Echo.EchoClient(channel).CallAsync(100, 2)).Should().BeEmpty();
        }

        // Plain GrpcChannel.ForAddress with the container as service provider: balanced, outcomes from the channel alone.
        using (var channel = GrpcChannel.ForAddress("balancer:///echo", new GrpcChannelOptions { ServiceProvider = provider, Credentials = ChannelCredentials.Insecure }))
        {
            (await new Echo.Echo.EchoClient(channel).CallAsync(100, 2)).Should().BeEmpty();
        }

        backends.All.Should().OnlyContain(b => b.Received > 20, backends.Describe());
        var endpoints = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("echo")!.Endpoints;
        endpoints.Sum(e => e.TotalRequests).Should().Be(200);
        endpoints.Should().OnlyContain(e => e.InFlight == 0);
    }

    [Fact]
    public async Task ResourceExhausted_IsBackPressure_NotAnEjection()
    {
        await using var backends = await GrpcBackends.StartAsync(2);
        backends[0].FailWith = StatusCode.ResourceExhausted;
        await using var provider = GrpcTestServices.Build("echo", backends, o => o.Selector = Balancer.Client.Selection.EndpointSelectorNames.RoundRobin);

        await provider.Echo("echo").CallAsync(60, 2);

        var pushing = provider.GetRequiredService<IBalancerInspector>().GetSnapshot("echo")!.Endpoints.Single(e => e.Address.Port == backends[0].Port);
        pushing.TotalFailures.Should().BeGreaterThan(0, "back-pressure weighs on the selectors' cost");
        pushing.Health.Should().NotBe(EndpointHealthStatus.Ejected, "RESOURCE_EXHAUSTED never ejects");
    }

    [Fact]
    public async Task InvalidOptions_FailAtStartup_NamingClientFieldAndValue()
    {
        var services = new ServiceCollection();
        services.AddGrpcClient<Echo.Echo.EchoClient>("echo").AddBalancer(o =>
        {
            o.AddEndpoint("http://127.0.0.1:1");
            o.Selector = "Fastest";
        });
        await using var provider = services.BuildServiceProvider();

        var start = () => provider.GetRequiredService<IStartupValidator>().Validate();

        start.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("'echo'").And.Contain("Selector").And.Contain("Fastest");
    }
}
