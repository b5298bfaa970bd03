using System.Globalization;
using Balancer.Client.Selection;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Tests;

public sealed class ServiceDiscoveryEndpointSourceTests
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Configuration_Endpoints_ReachTheClientAndTheSelectorSharesThem()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var counter = new AttemptCounter();
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", [.. cluster]), services =>
        {
            services.AddServiceDiscovery();
            services.AddBalancedHttpClient("catalog", o => o.Selector = EndpointSelectorNames.RoundRobin)
                .AddServiceDiscoveryEndpoints()
                .AddFeedbackObserver(_ => counter);
        });

        var failures = await Load.GetAsync(host.CreateClient("catalog"), "/", count: 300, concurrency: 4);

        failures.Should().Be(0);
        cluster.Select(b => b.RequestsReceived).Should().Equal(100, 100, 100);
        counter.Attempts.Should().Be(300, "the balancer sent every request itself");
        counter.Endpoints.Values.Should().HaveCount(3).And.OnlyContain(e => e.Metadata[ServiceDiscoveryMetadataKeys.Provider] == "Configuration");
    }

    [Fact]
    public async Task ConfigurationReload_UnderLoad_AddsAndRemovesEndpointsWithoutFailures()
    {
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", cluster[0], cluster[1]), services =>
        {
            services.AddServiceDiscovery();
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints();
        });
        await using var load = new BatchLoad(host.CreateClient("catalog")); // 8 concurrent workers
        await cluster[1].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);

        host.SetEndpoints("catalog", cluster[0], cluster[1], cluster[2]); // added
        await cluster[2].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);

        host.SetEndpoints("catalog", cluster[2], cluster[3]); // two removed, one added: the set is swapped at once
        await cluster[3].WaitForRequestsAsync(1).WaitAsync(s_waitLimit);
        await load.WaitForBatchStartedAfterAsync();
        cluster.ResetCounters();
        await cluster[2].WaitForRequestsAsync(50).WaitAsync(s_waitLimit);
        await cluster[3].WaitForRequestsAsync(50).WaitAsync(s_waitLimit);
        await cluster[0].StopAsync(); // gone from the set: stopping them costs nothing
        await cluster[1].StopAsync();
        await load.WaitForBatchStartedAfterAsync();
        await load.StopAsync();

        load.Failures.Should().Be(0);
        load.Successes.Should().BeGreaterThan(100);
        cluster[0].RequestsReceived.Should().Be(0);
        cluster[1].RequestsReceived.Should().Be(0);
    }

    [Fact]
    public async Task ConfigurationReload_ManyChangesInARow_TheLastOneIsFollowed()
    {
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", cluster[0]), services =>
        {
            services.AddServiceDiscovery();
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints();
        });
        var client = host.CreateClient("catalog");
        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);

        for (var i = 0; i < 30; i++)
        {
            host.SetEndpoints("catalog", cluster[i % 3], cluster[(i + 1) % 3]);
        }

        host.SetEndpoints("catalog", cluster[3]); // the last change, made while the earlier ones are still being resolved
        var run = await Load.GetUntilAsync(client, "/", concurrency: 2, stop: () => cluster[3].RequestsReceived > 0, maxCount: 100_000, timeLimit: s_waitLimit);
        run.Stopped.Should().BeTrue("the last reload must reach the client");
        cluster.ResetCounters();

        (await Load.GetAsync(client, "/", count: 50, concurrency: 1)).Should().Be(0);
        cluster[3].RequestsReceived.Should().Be(50, "nothing older may come back after the last reload");
    }

    [Fact]
    public async Task CustomProvider_ChangesAndFeatures_AreFollowed()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var registry = new TestRegistry("catalog");
        registry.Set(TestRegistry.Instance(cluster[0], "eu-1a"), TestRegistry.Instance(cluster[1], "eu-1b"));
        var counter = new AttemptCounter();
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscoveryCore();
            services.AddSingleton<IServiceEndpointProviderFactory>(registry);
            services.AddBalancedHttpClient("catalog", o => o.Selector = EndpointSelectorNames.RoundRobin)
                .AddServiceDiscoveryEndpoints(o => o.ConfigureEndpoint = (endpoint, options) =>
                {
                    options.Zone = endpoint.Features.Get<ZoneFeature>()?.Zone;
                    options.Weight = options.Zone == "eu-1a" ? 3 : 1;
                })
                .AddFeedbackObserver(_ => counter);
        });
        var client = host.CreateClient("catalog");

        (await Load.GetAsync(client, "/", count: 400, concurrency: 4)).Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(300, "weight 3 from the zone the provider reported");
        cluster[1].RequestsReceived.Should().Be(100);
        counter.Endpoints.Values.Select(e => e.Zone).Should().BeEquivalentTo(["eu-1a", "eu-1b"]);

        registry.Set(TestRegistry.Instance(cluster[2], "eu-1c")); // the change token fires
        await Load.GetUntilAsync(client, "/", concurrency: 1, stop: () => cluster[2].RequestsReceived > 0, maxCount: 100_000, timeLimit: s_waitLimit);
        cluster.ResetCounters();

        (await Load.GetAsync(client, "/", count: 20, concurrency: 1)).Should().Be(0);
        cluster[2].RequestsReceived.Should().Be(20);
    }

    [Fact]
    public async Task ChangeBetweenResolutionAndRegistration_IsNotMissed()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var registry = new LateChangeRegistry("catalog", TestRegistry.Instance(cluster[0]), TestRegistry.Instance(cluster[1]));
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscoveryCore();
            services.AddSingleton<IServiceEndpointProviderFactory>(registry);
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints();
        });

        // No callback ever fires, and the refresh period is a minute: only reading HasChanged after registering finds it.
        var run = await Load.GetUntilAsync(host.CreateClient("catalog"), "/", concurrency: 1, stop: () => cluster[1].RequestsReceived > 0, maxCount: 100_000, timeLimit: s_waitLimit, pause: TimeSpan.FromMilliseconds(10));

        run.Stopped.Should().BeTrue();
        run.Failed.Should().Be(0);
    }

    [Fact]
    public async Task ResolutionFails_LastGoodSetStaysAndTheErrorIsReported_ThenItRecovers()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var registry = new TestRegistry("catalog");
        registry.Set(TestRegistry.Instance(cluster[0]));
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscoveryCore();
            services.AddSingleton<IServiceEndpointProviderFactory>(registry);
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints();
        });
        var client = host.CreateClient("catalog");
        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);

        registry.Fail(new InvalidOperationException("registry unreachable"));
        var reported = await host.Logs.WaitForAsync(r => r.Category == "Balancer.Client" && r.Id.Id == 20, s_waitLimit);

        reported.Message.Should().Contain("'catalog'").And.Contain("service-discovery:http://catalog");
        reported.Exception!.Message.Should().Be("registry unreachable");
        (await Load.GetAsync(client, "/", count: 20, concurrency: 2)).Should().Be(0, "the last good endpoints stay");
        cluster[0].RequestsReceived.Should().Be(21);

        registry.Set(TestRegistry.Instance(cluster[1])); // resolved again after the retry delay
        var run = await Load.GetUntilAsync(client, "/", concurrency: 1, stop: () => cluster[1].RequestsReceived > 0, maxCount: 100_000, timeLimit: s_waitLimit, pause: TimeSpan.FromMilliseconds(10));
        run.Stopped.Should().BeTrue();
        run.Failed.Should().Be(0);
    }

    [Fact]
    public async Task ResolutionFails_BeforeAnyEndpoint_RequestFailsNamingTheSourceAndTheError()
    {
        var registry = new TestRegistry("catalog");
        registry.Fail(new InvalidOperationException("registry unreachable"));
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscoveryCore();
            services.AddSingleton<IServiceEndpointProviderFactory>(registry);
            services.AddBalancedHttpClient("catalog", o => o.EndpointSources.InitialTimeout = TimeSpan.FromMinutes(1)).AddServiceDiscoveryEndpoints();
        });

        var act = () => host.CreateClient("catalog").GetAsync("/").WaitAsync(s_waitLimit);

        var error = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        error.Message.Should().Contain("service-discovery:http://catalog").And.Contain("registry unreachable");
    }

    [Fact]
    public async Task EmptyResolution_KeepsTheLastGoodSet()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", cluster[0]), services =>
        {
            // Configuration only: with the pass-through provider too, a service without configuration resolves to its own name.
            services.AddServiceDiscoveryCore().AddConfigurationServiceEndpointProvider();
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints();
        });
        var client = host.CreateClient("catalog");
        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);

        host.SetEndpoints("catalog"); // the section is gone: the configuration provider finds nothing
        await host.Logs.WaitForAsync(r => r.Category == "Balancer.Client" && r.Id.Id == 21 && r.Message.Contains("service-discovery:http://catalog", StringComparison.Ordinal), s_waitLimit);

        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);
    }

    [Fact]
    public async Task ServiceName_SchemeList_TakesTheEndpointsOfTheFirstSchemeConfigured()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        var settings = new Dictionary<string, string?>
        {
            ["Services:catalog-api:http:0"] = cluster[0].Address.ToString(), // no https section: http is next in the list
        };
        await using var host = DiscoveryHost.Create(settings, services =>
        {
            services.AddServiceDiscovery();
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints("https+http://catalog-api");
        });

        (await host.CreateClient("catalog").GetBackendAsync("/items")).Should().Be(cluster[0].Name);
        cluster[0].Received.Single().PathAndQuery.Should().Be("/items");
    }

    [Fact]
    public async Task PassThrough_ServiceNameIsAnAddress_ResolvesToIt()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        var serviceName = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{cluster[0].Port}");
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscovery(); // no Services:127.0.0.1 section: the pass-through provider answers
            services.AddBalancedHttpClient("catalog", _ => { }).AddServiceDiscoveryEndpoints(serviceName);
        });

        (await host.CreateClient("catalog").GetBackendAsync("/")).Should().Be(cluster[0].Name);
    }
}
