using Balancer.Client.Selection;

namespace Balancer.Client.ServiceDiscovery.Tests;

/// <summary>
/// ServiceDiscovery's resolving handler added to every client (as Aspire's service defaults do with
/// <c>ConfigureHttpClientDefaults(b => b.AddServiceDiscovery())</c>) or to the balanced client itself. It runs before the
/// balancing handler, which is always the innermost.
/// </summary>
public sealed class ServiceDiscoveryHandlerFilterTests
{
    [Fact]
    public async Task GlobalAddServiceDiscovery_ClientWithServiceDiscoveryEndpoints_TheBalancerPicksAndOtherClientsStillResolve()
    {
        await using var cluster = await BackendCluster.StartAsync(4);
        var counter = new AttemptCounter();
        await using var host = DiscoveryHost.Create([.. DiscoveryHost.Endpoints("catalog", cluster[0], cluster[1], cluster[2]), .. DiscoveryHost.Endpoints("other", cluster[3])], services =>
        {
            services.AddServiceDiscovery();
            services.ConfigureHttpClientDefaults(b => b.AddServiceDiscovery());
            services.AddHttpClient("other", c => c.BaseAddress = new Uri("http://other/"));
            services.AddBalancedHttpClient("catalog", o => o.Selector = EndpointSelectorNames.RoundRobin)
                .AddServiceDiscoveryEndpoints()
                .AddFeedbackObserver(_ => counter);
        });

        (await Load.GetAsync(host.CreateClient("catalog"), "/", count: 90, concurrency: 3)).Should().Be(0);
        (await host.CreateClient("other").GetBackendAsync("/")).Should().Be(cluster[3].Name);

        counter.Attempts.Should().Be(90, "ServiceDiscovery's handler must not pick an endpoint before the balancer does");
        cluster.Take(3).Select(b => b.RequestsReceived).Should().Equal(30, 30, 30);
        host.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 60 && r.Message.Contains("'catalog'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddServiceDiscovery_OnTheBalancedClientItself_ItsHandlerIsRemoved()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var counter = new AttemptCounter();
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", [.. cluster]), services =>
        {
            services.AddServiceDiscovery();
            services.AddBalancedHttpClient("catalog", _ => { })
                .AddServiceDiscovery()
                .AddServiceDiscoveryEndpoints()
                .AddFeedbackObserver(_ => counter);
        });

        (await Load.GetAsync(host.CreateClient("catalog"), "/", count: 20, concurrency: 2)).Should().Be(0);

        counter.Attempts.Should().Be(20);
    }

    // The two facts below are about balanced clients that do not use AddServiceDiscoveryEndpoints: what the global
    // handler does with their logical host decides whether they still work.
    [Fact]
    public async Task GlobalAddServiceDiscovery_BalancedClientWithItsOwnEndpoints_PassThroughLeavesTheLogicalHost()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var counter = new AttemptCounter();
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscovery();
            services.ConfigureHttpClientDefaults(b => b.AddServiceDiscovery());
            services.AddBalancedHttpClient("catalog", o => o.AddEndpoints(cluster)).AddFeedbackObserver(_ => counter);
        });

        (await Load.GetAsync(host.CreateClient("catalog"), "/", count: 20, concurrency: 2)).Should().Be(0);

        counter.Attempts.Should().Be(20, "with no Services:catalog section the pass-through provider returns the host unchanged");
    }

    [Fact]
    public async Task GlobalAddServiceDiscovery_BalancedClientWithItsOwnEndpointsAndAServicesSection_ItsHandlerPicksFirst()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var counter = new AttemptCounter();
        await using var host = DiscoveryHost.Create(DiscoveryHost.Endpoints("catalog", cluster[1]), services =>
        {
            services.AddServiceDiscovery();
            services.ConfigureHttpClientDefaults(b => b.AddServiceDiscovery());
            services.AddBalancedHttpClient("catalog", o => o.AddEndpoint(cluster[0].Address.ToString())).AddFeedbackObserver(_ => counter);
        });

        (await Load.GetAsync(host.CreateClient("catalog"), "/", count: 10, concurrency: 1)).Should().Be(0);

        cluster[1].RequestsReceived.Should().Be(10, "ServiceDiscovery's handler rewrote the logical host before the balancer saw it");
        counter.Attempts.Should().Be(0);
    }

    [Fact]
    public async Task GlobalAddServiceDiscovery_WithoutPassThrough_BalancedClientWithItsOwnEndpointsFails()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        await using var host = DiscoveryHost.Create([], services =>
        {
            services.AddServiceDiscoveryCore().AddConfigurationServiceEndpointProvider();
            services.ConfigureHttpClientDefaults(b => b.AddServiceDiscovery());
            services.AddBalancedHttpClient("catalog", o => o.AddEndpoints(cluster));
        });

        var act = () => host.CreateClient("catalog").GetAsync("/");

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*no endpoints*", "its handler resolves the logical host itself and finds nothing");
        cluster[0].RequestsReceived.Should().Be(0);
    }
}
