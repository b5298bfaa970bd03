using Microsoft.Extensions.Configuration;

namespace Balancer.Client.IntegrationTests.DependencyInjection;

public sealed class ConfigurationReloadTests
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Reload_EndpointReplacedUnderLoad_NoFailureAndNoTrafficToTheRemovedEndpoint()
    {
        const string Name = "reload-swap";
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var config = new ConfigurationBuilder().AddInMemoryCollection(Settings(Name, cluster[0], cluster[1], cluster[2])).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(config);
        services.AddBalancedHttpClient(Name); // bound to section Balancer:Clients:{Name} of the application's configuration
        await using var provider = services.BuildServiceProvider();
        await using var load = new BatchLoad(provider.CreateClient(Name));

        await cluster[1].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);
        config[$"Balancer:Clients:{Name}:Endpoints:1:Address"] = cluster[3].Address.ToString();
        config.Reload();
        await load.WaitForBatchStartedAfterAsync(); // every request in flight at the swap has completed

        cluster[1].ResetCounters();
        await cluster[3].WaitForRequestsAsync(cluster[3].RequestsReceived + 100).WaitAsync(s_waitLimit);
        await load.StopAsync();

        load.Failures.Should().Be(0);
        cluster[1].RequestsReceived.Should().Be(0, "the replaced endpoint left the set at the reload");
        cluster[0].RequestsReceived.Should().BeGreaterThan(0);
        cluster[2].RequestsReceived.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Reload_EndpointRemovedAndStoppedUnderLoad_NoFailure()
    {
        const string Name = "reload-remove";
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var source = new MutableConfigurationSource(Settings(Name, cluster[0], cluster[1], cluster[2]));
        var config = new ConfigurationBuilder().Add(source).Build();
        await using var provider = BuildProvider(Name, config);
        await using var load = new BatchLoad(provider.CreateClient(Name));

        await cluster[2].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);
        source.Remove($"Balancer:Clients:{Name}:Endpoints:2");
        config.Reload();
        await load.WaitForBatchStartedAfterAsync();

        // Gone from the set, so stopping it must not cost a single request.
        await cluster[2].StopAsync();
        cluster.ResetCounters();
        await cluster[0].WaitForRequestsAsync(100).WaitAsync(s_waitLimit);
        await load.StopAsync();

        load.Failures.Should().Be(0);
        cluster[2].RequestsReceived.Should().Be(0);
        cluster[1].RequestsReceived.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Reload_InvalidAddress_KeepsLastGoodSetUntilAValidReload()
    {
        const string Name = "reload-invalid";
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var config = new ConfigurationBuilder().AddInMemoryCollection(Settings(Name, cluster[0], cluster[1], cluster[2])).Build();
        await using var provider = BuildProvider(Name, config);
        var client = provider.CreateClient(Name);
        (await Load.GetAsync(client, "/before", 30, concurrency: 1)).Should().Be(0);

        config[$"Balancer:Clients:{Name}:Endpoints:0:Address"] = "not a uri";
        config[$"Balancer:Clients:{Name}:Endpoints:1:Weight"] = "0";
        config.Reload();
        cluster.ResetCounters();

        (await Load.GetAsync(client, "/after-invalid", 30, concurrency: 1)).Should().Be(0);
        cluster.ReceivedCounts().Should().Equal(new Dictionary<string, long> { ["backend-0"] = 10, ["backend-1"] = 10, ["backend-2"] = 10, ["backend-3"] = 0 });

        config[$"Balancer:Clients:{Name}:Endpoints:0:Address"] = cluster[3].Address.ToString();
        config[$"Balancer:Clients:{Name}:Endpoints:1:Weight"] = "1";
        config.Reload();
        cluster.ResetCounters();

        (await Load.GetAsync(client, "/after-valid", 30, concurrency: 1)).Should().Be(0);
        cluster.ReceivedCounts().Should().Equal(new Dictionary<string, long> { ["backend-0"] = 0, ["backend-1"] = 10, ["backend-2"] = 10, ["backend-3"] = 10 });
    }

    private static Dictionary<string, string?> Settings(string name, params ScriptedBackend[] backends)
    {
        var data = new Dictionary<string, string?>
        {
            [$"Balancer:Clients:{name}:Selector"] = "RoundRobin",

            // Endpoints added by a reload would start with a tenth of their share; these tests count exact shares.
            [$"Balancer:Clients:{name}:Health:SlowStart:Window"] = "00:00:00",
        };
        for (var i = 0; i < backends.Length; i++)
        {
            data[$"Balancer:Clients:{name}:Endpoints:{i}:Address"] = backends[i].Address.ToString();
        }

        return data;
    }

    /// <summary>A client bound to its own section, passed explicitly.</summary>
    private static ServiceProvider BuildProvider(string name, IConfigurationRoot config)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient(name, config.GetSection($"Balancer:Clients:{name}"));
        return services.BuildServiceProvider();
    }
}
