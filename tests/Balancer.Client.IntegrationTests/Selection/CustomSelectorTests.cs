using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Selection;

public sealed class CustomSelectorTests
{
    [Fact]
    public async Task AddEndpointSelector_SelectedByNameInOptions_ResolvesDependencyAndChoosesEveryRequest()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var preferred = new PreferredPort(cluster[2].Port);
        await using var provider = TestServices.Build(
            "custom-by-name",
            o =>
            {
                o.Selector = "preferred"; // names are case-insensitive
                o.AddEndpoints(cluster);
            },
            services: s =>
            {
                s.AddSingleton(preferred);
                s.AddEndpointSelector<PreferredPortSelector>("Preferred");
            });
        var client = provider.CreateClient("custom-by-name");

        for (var i = 0; i < 20; i++)
        {
            (await client.GetBackendAsync("/custom")).Should().Be("backend-2");
        }

        preferred.Calls.Should().Be(20);
        cluster[0].RequestsReceived.Should().Be(0);
        cluster[1].RequestsReceived.Should().Be(0);
    }

    [Fact]
    public async Task UseEndpointSelector_ByType_WinsOverOptionsAndIsReportedByTypeName()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var preferred = new PreferredPort(cluster[1].Port);
        var selectors = new List<object?>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == BalancerDiagnostics.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem(BalancerDiagnostics.ClientTag), "custom-by-type"))
                {
                    lock (selectors)
                    {
                        selectors.Add(activity.GetTagItem(BalancerDiagnostics.SelectorTag));
                    }
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var provider = TestServices.Build(
            "custom-by-type",
            o => o.AddEndpoints(cluster), // Selector stays the default, PeakEwma
            client: b => b.UseEndpointSelector<PreferredPortSelector>(),
            services: s => s.AddSingleton(preferred));
        var client = provider.CreateClient("custom-by-type");

        for (var i = 0; i < 10; i++)
        {
            (await client.GetBackendAsync("/custom")).Should().Be("backend-1");
        }

        preferred.Calls.Should().Be(10);
        lock (selectors)
        {
            selectors.Should().HaveCount(10).And.OnlyContain(s => Equals(s, nameof(PreferredPortSelector)));
        }
    }

    /// <summary>A dependency of the custom selector, registered in DI.</summary>
    internal sealed class PreferredPort(int port)
    {
        private int _calls;

        public int Port => port;

        public int Calls => Volatile.Read(ref _calls);

        public void Called() => Interlocked.Increment(ref _calls);
    }

    /// <summary>Always picks the endpoint on the preferred port.</summary>
    internal sealed class PreferredPortSelector(PreferredPort preferred) : IEndpointSelector
    {
        public BalancerEndpoint? Select(in SelectionContext context)
        {
            preferred.Called();
            foreach (var endpoint in context.Endpoints)
            {
                if (endpoint.Address.Port == preferred.Port)
                {
                    return endpoint;
                }
            }

            return null;
        }
    }
}
