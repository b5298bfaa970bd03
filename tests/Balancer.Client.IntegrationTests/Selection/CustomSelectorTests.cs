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

    [Fact]
    public async Task Select_RetryAfterA503_GetsTheUntriedAsCandidatesAndTheSamePool()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = i == 0 ? 1 : 0;
        });
        var selector = new RecordingSelector(new PreferredEndpointSelector(cluster[0].Port));
        await using var provider = TestServices.Build(
            "custom-pool",
            o => o.AddEndpoints(cluster),
            client: b => b.UseEndpointSelector("recording", _ => selector).AddBalancerRetry());
        var client = provider.CreateClient("custom-pool");

        (await client.GetBackendAsync("/pool")).Should().NotBe("backend-0", "the retry avoids the endpoint that answered 503");

        var calls = selector.Snapshot();
        calls.Should().HaveCount(2);
        var (first, retry) = (calls[0], calls[1]);
        first.Endpoints.Should().BeSameAs(first.Pool, "a first attempt chooses from the whole pool");
        first.Pool.Should().HaveCount(3);
        first.Tried.Should().BeEmpty();
        retry.Pool.Should().BeSameAs(first.Pool, "the pool stays the same instance while the set and its eligibility do");
        retry.Endpoints.Should().NotBeSameAs(retry.Pool).And.HaveCount(2).And.NotContain(e => e.Address.Port == cluster[0].Port);
        retry.Tried.Should().ContainSingle().Which.Address.Port.Should().Be(cluster[0].Port);
    }

    /// <summary>Records what each pick was given, then lets an inner selector choose.</summary>
    internal sealed class RecordingSelector(IEndpointSelector inner) : IEndpointSelector
    {
        private readonly List<(IReadOnlyList<BalancerEndpoint> Endpoints, IReadOnlyList<BalancerEndpoint> Pool, IReadOnlyList<BalancerEndpoint> Tried)> _calls = [];

        public List<(IReadOnlyList<BalancerEndpoint> Endpoints, IReadOnlyList<BalancerEndpoint> Pool, IReadOnlyList<BalancerEndpoint> Tried)> Snapshot()
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }

        public BalancerEndpoint? Select(in SelectionContext context)
        {
            lock (_calls)
            {
                _calls.Add((context.Endpoints, context.Pool, context.TriedEndpoints));
            }

            return inner.Select(context);
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
