using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using Microsoft.Extensions.Options;

namespace Balancer.Client.IntegrationTests.Endpoints;

public sealed class EndpointSourceTests
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Source_OnlyEndpoints_FirstRequestWaitsForThePublication()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        var source = new DelayedSource();
        await using var provider = TestServices.Build("src-first", _ => { }, b => b.AddEndpointSource(_ => source));
        var client = provider.CreateClient("src-first");

        var request = client.GetBackendAsync("/first");
        await source.Started.WaitAsync(s_waitLimit);
        request.IsCompleted.Should().BeFalse("the client has no endpoint until the source publishes");
        source.Publisher!.Publish([new BalancerEndpointOptions { Address = cluster[0].Address.ToString() }]);

        (await request.WaitAsync(s_waitLimit)).Should().Be(cluster[0].Name);
    }

    [Fact]
    public async Task Source_ChangesUnderLoad_TrafficFollowsWithoutFailures()
    {
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var source = new ManualEndpointSource();
        source.SetAddresses(cluster[0].Address.ToString(), cluster[1].Address.ToString());
        await using var provider = TestServices.Build("src-load", _ => { }, b => b.AddEndpointSource(_ => source));
        await using var load = new BatchLoad(provider.CreateClient("src-load"));

        await cluster[1].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);
        source.SetAddresses(cluster[2].Address.ToString(), cluster[3].Address.ToString());
        await load.WaitForBatchStartedAfterAsync();
        cluster.ResetCounters();
        await cluster[2].WaitForRequestsAsync(50).WaitAsync(s_waitLimit);
        await cluster[3].WaitForRequestsAsync(50).WaitAsync(s_waitLimit);
        await cluster[0].StopAsync(); // gone from the set: stopping it costs nothing
        await load.WaitForBatchStartedAfterAsync();
        await load.StopAsync();

        load.Failures.Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(0);
        cluster[1].RequestsReceived.Should().Be(0);
    }

    [Fact]
    public async Task Source_EmptyOrFailedRefresh_KeepsTheLastGoodSet()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        var source = new ManualEndpointSource();
        source.SetAddresses(cluster[0].Address.ToString());
        await using var provider = TestServices.Build("src-keep", _ => { }, b => b.AddEndpointSource(_ => source));
        var client = provider.CreateClient("src-keep");
        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);

        source.SetEndpoints(Array.Empty<BalancerEndpointOptions>());
        source.ReportError(new InvalidOperationException("registry unreachable"));
        source.SetAddresses("not a uri", "ftp://127.0.0.1:1/"); // nothing valid: treated like an empty answer

        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);
    }

    [Fact]
    public async Task Source_AcceptEmpty_EmptiesTheSetAndTheErrorNamesTheSource()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        var source = new ManualEndpointSource();
        source.SetAddresses(cluster[0].Address.ToString());
        await using var provider = TestServices.Build("src-empty", o => o.EndpointSources.AcceptEmpty = true, b => b.AddEndpointSource(_ => source));
        var client = provider.CreateClient("src-empty");
        (await client.GetBackendAsync("/")).Should().Be(cluster[0].Name);

        source.SetEndpoints(Array.Empty<BalancerEndpointOptions>());

        var act = () => client.GetAsync("/");
        var error = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        error.Reason.Should().Be(NoAvailableEndpointReason.NoEndpoints);
        error.Message.Should().Contain("src-empty").And.Contain("manual");
    }

    [Fact]
    public async Task Source_NeverPublishes_RequestFailsAfterTheInitialTimeoutSayingSo()
    {
        var source = new DelayedSource();
        await using var provider = TestServices.Build("src-silent", o => o.EndpointSources.InitialTimeout = TimeSpan.FromMilliseconds(200), b => b.AddEndpointSource(_ => source));
        var client = provider.CreateClient("src-silent");

        var act = () => client.GetAsync("/");

        var error = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        error.Message.Should().Contain("src-silent").And.Contain("nothing published yet");
    }

    [Fact]
    public async Task Source_FailsAtStart_RequestFailsAtOnceWithTheSourceError()
    {
        var source = new ThrowingSource();
        await using var provider = TestServices.Build("src-broken", o => o.EndpointSources.InitialTimeout = TimeSpan.FromMinutes(1), b => b.AddEndpointSource(_ => source));
        var client = provider.CreateClient("src-broken");

        var act = () => client.GetAsync("/").WaitAsync(s_waitLimit);

        var error = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        error.Message.Should().Contain("name server down", "every source has failed once, so waiting longer is pointless");
    }

    [Fact]
    public async Task Source_Throws_IsStartedAgain()
    {
        var source = new ThrowingSource();
        await using var provider = TestServices.Build("src-restart", _ => { }, b => b.AddEndpointSource(_ => source));
        _ = provider.CreateClient("src-restart").GetAsync("/"); // the client starts its sources when first used

        await source.SecondRun.Task.WaitAsync(s_waitLimit);
        source.Runs.Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Source_MergedWithOptions_InvalidEntriesLeftOutAndFirstAddressWins()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var source = new ManualEndpointSource();
        source.SetEndpoints(
        [
            new BalancerEndpointOptions { Address = cluster[0].Address.ToString(), Weight = 7 },
            new BalancerEndpointOptions { Address = cluster[1].Address.ToString() },
            new BalancerEndpointOptions { Address = "http://127.0.0.1:1/", Weight = 1000 },
        ]);
        await using var provider = TestServices.Build("src-merge", o =>
        {
            o.Selector = "RoundRobin";
            o.Health.SlowStart.Window = TimeSpan.Zero; // the source's endpoints arrive after the first set: no ramp, exact shares
            o.AddEndpoint(cluster[0].Address.ToString(), weight: 2);
        }, b => b.AddEndpointSource(_ => source));
        var client = provider.CreateClient("src-merge");
        await Load.GetUntilAsync(client, "/", concurrency: 1, stop: () => cluster[1].RequestsReceived > 0, maxCount: 1_000); // the source publishes in the background
        cluster.ResetCounters();

        var failures = await Load.GetAsync(client, "/", count: 300, concurrency: 1);

        failures.Should().Be(0, "the entry with weight 1000 is invalid and left out");
        cluster[0].RequestsReceived.Should().Be(200, "the options come first: weight 2, not the source's 7");
        cluster[1].RequestsReceived.Should().Be(100);
    }

    [Fact]
    public async Task Source_Disposed_WithTheContainer()
    {
        var source = new DelayedSource();
        var provider = TestServices.Build("src-dispose", _ => { }, b => b.AddEndpointSource(_ => source));
        _ = provider.CreateClient("src-dispose").GetAsync("/");
        await source.Started.WaitAsync(s_waitLimit);

        await provider.DisposeAsync();

        source.Token.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public void Validation_NoEndpointsAndNoSource_FailsNamingTheClient_WithSource_Passes()
    {
        using var without = TestServices.Build("src-none", _ => { });
        var act = () => without.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("src-none");
        act.Should().Throw<OptionsValidationException>().WithMessage("*'src-none'*Endpoints*AddEndpointSource*");

        using var with = TestServices.Build("src-some", _ => { }, b => b.AddEndpointSource(_ => new ManualEndpointSource()));
        with.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get("src-some").Should().NotBeNull();
    }

    [Fact]
    public async Task PriorityTiers_LowerTierServesWhileItHasEligibleEndpoints()
    {
        await using var cluster = await BackendCluster.StartAsync(3);
        await using var provider = TestServices.Build("tiers", o =>
        {
            // Round robin, so that the share each endpoint of the lower tier gets says only that the tier serves: the
            // default selector may rightly favour the faster of the two for a while.
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.Endpoints.Add(new BalancerEndpointOptions { Address = cluster[0].Address.ToString(), Priority = 0 });
            o.Endpoints.Add(new BalancerEndpointOptions { Address = cluster[1].Address.ToString(), Priority = 1 });
            o.Endpoints.Add(new BalancerEndpointOptions { Address = cluster[2].Address.ToString(), Priority = 1 });
        });
        var client = provider.CreateClient("tiers");

        await Load.GetAsync(client, "/", count: 100, concurrency: 4);
        cluster[0].RequestsReceived.Should().Be(100);

        await cluster[0].StopAsync(); // refused connections: ejected after consecutive failures
        await Load.GetUntilAsync(client, "/", concurrency: 4, stop: () => cluster[1].RequestsReceived + cluster[2].RequestsReceived >= 100, maxCount: 2_000);

        cluster[1].RequestsReceived.Should().BeGreaterThan(20);
        cluster[2].RequestsReceived.Should().BeGreaterThan(20);
    }

    /// <summary>Publishes nothing by itself: the test publishes through the captured publisher.</summary>
    private sealed class DelayedSource : IEndpointSource
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IEndpointPublisher? Publisher { get; private set; }

        public CancellationToken Token { get; private set; }

        public Task Started => _started.Task;

        public async Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
        {
            Publisher = publisher;
            Token = cancellationToken;
            _started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class ThrowingSource : IEndpointSource
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public TaskCompletionSource SecondRun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) >= 2)
            {
                SecondRun.TrySetResult();
            }

            throw new InvalidOperationException("name server down");
        }

        public override string ToString() => "throwing";
    }
}
