using System.Net;
using System.Net.Http.Headers;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Health;
using Balancer.Client.Selection;
using Balancer.Client.Selection.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Balancer.Client.Tests.Selection;

public sealed class SelectionPipelineTests : IDisposable
{
    private const string Client = "catalog";

    private readonly TestEndpoints _endpoints = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeLogger _logger = new();
    private readonly MetricCollector<long> _failures;
    private readonly HealthMonitor _health;
    private readonly EndpointSet _set;

    public SelectionPipelineTests()
    {
        var meters = _services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _failures = new MetricCollector<long>(meters, BalancerDiagnostics.Name, "balancer.client.selection.failures");
        _health = new HealthMonitor(Client, _endpoints.Settings, new BalancerMetrics(meters), _logger);
        _set = new EndpointSet(_endpoints.WithWeights(1, 1, 1, 1), 1);
    }

    private long Now => _endpoints.Time.GetTimestamp();

    public void Dispose()
    {
        _failures.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Select_FirstAttempt_PassesThePoolAsTheCandidates()
    {
        var selector = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(selector);

        pipeline.Select(null, _set, []);
        pipeline.Select(null, _set, []);

        selector.Calls.Should().HaveCount(2).And.OnlyContain(c => ReferenceEquals(c.Endpoints, _set.Endpoints) && ReferenceEquals(c.Pool, _set.Endpoints) && c.Tried.Count == 0);
    }

    [Fact]
    public void Select_Retry_LeavesOutTheTriedAndPassesThePool()
    {
        var selector = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(selector);
        var e = _set.Endpoints;

        var picks = Enumerable.Range(0, 30).Select(_ => pipeline.Select(null, _set, [e[1]])).ToList();

        picks.Should().NotContain(e[1]).And.Contain([e[0], e[2], e[3]]);
        selector.Calls.Should().OnlyContain(c => ReferenceEquals(c.Pool, e) && !ReferenceEquals(c.Endpoints, c.Pool));
        selector.Calls[0].Endpoints.Should().Equal(e[0], e[2], e[3]);
        selector.Calls[0].Tried.Should().Equal(e[1]);
        selector.Calls.Select(c => c.Endpoints).Distinct().Should().ContainSingle("the view without one endpoint is made once per pool");
    }

    [Fact]
    public void Select_TwoTried_LeavesOutBoth()
    {
        var selector = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(selector);
        var e = _set.Endpoints;

        var picks = Enumerable.Range(0, 20).Select(_ => pipeline.Select(null, _set, [e[3], e[0]])).ToList();

        picks.Should().NotContain([e[0], e[3]]).And.Contain([e[1], e[2]]);
        selector.Calls[0].Endpoints.Should().Equal(e[1], e[2]);
        selector.Calls[0].Pool.Should().BeSameAs(e);
    }

    [Fact]
    public void Select_ReloadedEndpoint_CountsAsTried()
    {
        var pipeline = Create(new RoundRobinSelector(RandomSource.Create(1)));
        var e = _set.Endpoints;
        var before = _endpoints.Create(e[2].Address.Port, weight: 7);

        var picks = Enumerable.Range(0, 30).Select(_ => pipeline.Select(null, _set, [before])).ToList();

        picks.Should().NotContain(e[2], "the same address is the same endpoint, whatever instance an earlier attempt saw");
    }

    [Fact]
    public void Select_TriedEndpointNoLongerInThePool_PassesThePool()
    {
        var selector = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(selector);
        var removed = _endpoints.Create(4999);

        pipeline.Select(null, _set, [removed]);

        selector.Calls.Single().Endpoints.Should().BeSameAs(_set.Endpoints);
        selector.Calls.Single().Tried.Should().Equal(removed);
    }

    [Fact]
    public void Select_RetryWithAnEndpointOut_PoolIsTheEligibleEndpoints()
    {
        var selector = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(selector);
        var e = _set.Endpoints;
        CoolDown(e[0]);

        pipeline.Select(null, _set, []);
        pipeline.Select(null, _set, [e[1]]);

        var (first, retry) = (selector.Calls[0], selector.Calls[1]);
        first.Pool.Should().Equal(e[1], e[2], e[3]);
        first.Endpoints.Should().BeSameAs(first.Pool);
        retry.Pool.Should().BeSameAs(first.Pool, "the pool is the same instance until eligibility changes");
        retry.Endpoints.Should().Equal(e[2], e[3]);
    }

    [Fact]
    public void Select_AllTried_ReuseOn_ChoosesFromThePool()
    {
        var selector = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(selector, reuseTried: true);

        var picked = pipeline.Select(null, _set, _set.Endpoints);

        picked.Should().BeOneOf(_set.Endpoints);
        selector.Calls.Single().Endpoints.Should().BeSameAs(_set.Endpoints);
        selector.Calls.Single().Tried.Should().HaveCount(4);
        _failures.GetMeasurementSnapshot().Should().BeEmpty();
    }

    [Fact]
    public void Select_AllTried_ReuseOff_ThrowsAllTried()
    {
        var pipeline = Create(new RoundRobinSelector(RandomSource.Create(1)), reuseTried: false);
        var reloaded = _set.Endpoints.Select(e => _endpoints.Create(e.Address.Port, weight: 3)).ToArray();

        var thrown = pipeline.Invoking(p => p.Select(null, _set, reloaded)).Should().Throw<NoAvailableEndpointException>().Which;

        thrown.Reason.Should().Be(NoAvailableEndpointReason.AllTried);
        thrown.ClientName.Should().Be(Client);
        thrown.Message.Should().Be("Balancer client 'catalog': all 4 available endpoints were already tried by earlier attempts of this request (ReuseTriedEndpoints is off).");
        ShouldHaveCounted("all_tried", thrown.Message);
    }

    [Fact]
    public void Select_NoEndpoints_ThrowsNoEndpoints()
    {
        var pipeline = Create(new RoundRobinSelector(RandomSource.Create(1)));

        var thrown = pipeline.Invoking(p => p.Select(null, EndpointSet.Empty, [])).Should().Throw<NoAvailableEndpointException>().Which;

        thrown.Reason.Should().Be(NoAvailableEndpointReason.NoEndpoints);
        thrown.Message.Should().Be("Balancer client 'catalog' has no endpoints configured.");
        ShouldHaveCounted("no_endpoints", thrown.Message);
    }

    [Fact]
    public void Select_NoEndpointsWithSources_DescribesTheSources()
    {
        var pipeline = Create(new RoundRobinSelector(RandomSource.Create(1)), describeSources: () => "; endpoint sources: dns: nothing published yet");

        var thrown = pipeline.Invoking(p => p.Select(null, EndpointSet.Empty, [])).Should().Throw<NoAvailableEndpointException>().Which;

        thrown.Reason.Should().Be(NoAvailableEndpointReason.NoEndpoints);
        thrown.Message.Should().Be("Balancer client 'catalog' has no endpoints: none in its options and none from its endpoint sources; endpoint sources: dns: nothing published yet.");
    }

    [Fact]
    public void Select_AllOutAndFailingFastInPanic_ThrowsAllUnavailable()
    {
        _health.Options = new HealthOptions { FailFastInPanic = true };
        var pipeline = Create(new RoundRobinSelector(RandomSource.Create(1)));
        foreach (var endpoint in _set.Endpoints)
        {
            CoolDown(endpoint);
        }

        var thrown = pipeline.Invoking(p => p.Select(null, _set, [])).Should().Throw<NoAvailableEndpointException>().Which;

        thrown.Reason.Should().Be(NoAvailableEndpointReason.AllUnavailable);
        thrown.Message.Should().Be($"Balancer client 'catalog': none of its 4 endpoints is available ({_health.DescribeUnavailable(_set, Now)}).");
        thrown.Message.Should().Contain("cool");
        ShouldHaveCounted("all_unavailable", thrown.Message);
    }

    [Fact]
    public void Select_SelectorFindsNone_ThrowsAllUnavailableNamingTheSelector()
    {
        var pipeline = Create(new Recording(null), selectorName: "Picky");
        var e = _set.Endpoints;

        var thrown = pipeline.Invoking(p => p.Select(null, _set, [e[0]])).Should().Throw<NoAvailableEndpointException>().Which;

        thrown.Reason.Should().Be(NoAvailableEndpointReason.AllUnavailable);
        thrown.Message.Should().Be("Balancer client 'catalog': selector 'Picky' found no available endpoint among 3 eligible of 4.");
        ShouldHaveCounted("all_unavailable", thrown.Message);
    }

    [Fact]
    public void Select_Reconfigured_UsesTheNewSelectorAndRule()
    {
        var first = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var second = new Recording(new RoundRobinSelector(RandomSource.Create(1)));
        var pipeline = Create(first, reuseTried: true);
        pipeline.Select(null, _set, _set.Endpoints);

        pipeline.Configure(second, "Second", reuseTriedEndpoints: false);

        pipeline.Invoking(p => p.Select(null, _set, _set.Endpoints)).Should().Throw<NoAvailableEndpointException>().Which.Reason.Should().Be(NoAvailableEndpointReason.AllTried);
        pipeline.Select(null, _set, []);
        first.Calls.Should().HaveCount(1);
        second.Calls.Should().HaveCount(1);
    }

    [Fact]
    public void Select_FirstAttemptsAndRetriesOfAKeyedRequest_AllocateNothing()
    {
        var selector = new ConsistentHashSelector(new ConsistentHashOptions(), new PeakEwmaSelector(RandomSource.Create(1), _endpoints.Time));
        var pipeline = Create(selector);
        using var request = new HttpRequestMessage().SetBalancerHashKey("user-1");
        var home = pipeline.Select(request, _set, []);
        BalancerEndpoint[] tried = [home];
        var next = pipeline.Select(request, _set, tried);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            pipeline.Select(request, _set, []);
            pipeline.Select(request, _set, tried);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        next.Should().NotBeSameAs(home);
    }

    [Fact]
    public void NotTriedFilter_NoneOrOneTried_AllocatesNothing()
    {
        var filter = new NotTriedFilter();
        var pool = _set.Endpoints;
        BalancerEndpoint[] one = [pool[2]];
        BalancerEndpoint[] oneOfAnotherSet = [pool[1], _endpoints.Create(4999)];
        filter.Apply(pool, one);
        filter.Apply(pool, oneOfAnotherSet);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            filter.Apply(pool, []);
            filter.Apply(pool, one);
            filter.Apply(pool, oneOfAnotherSet);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        filter.Apply(pool, one).Should().Equal(pool[0], pool[1], pool[3]);
        filter.Apply(pool, oneOfAnotherSet).Should().Equal(pool[0], pool[2], pool[3]);
    }

    [Fact]
    public void NotTriedFilter_NewPool_MakesNewViews()
    {
        var filter = new NotTriedFilter();
        var pool = _set.Endpoints;
        var view = filter.Apply(pool, [pool[0]]);
        BalancerEndpoint[] next = [pool[0], pool[1]];

        var nextView = filter.Apply(next, [pool[0]]);

        nextView.Should().Equal(pool[1]);
        view.Should().Equal(pool[1], pool[2], pool[3]);
        filter.Apply(pool, [pool[0]]).Should().NotBeSameAs(nextView);
    }

    [Fact]
    public void ExceptOneList_ReadsThePoolWithoutOneIndex()
    {
        var pool = _set.Endpoints;

        var list = new ExceptOneList(pool, 1);

        list.Count.Should().Be(3);
        list.Should().Equal(pool[0], pool[2], pool[3]);
        Enumerable.Range(0, list.Count).Select(i => list[i]).Should().Equal(pool[0], pool[2], pool[3]);
        list.Invoking(l => l[3]).Should().Throw<ArgumentOutOfRangeException>();
        list.Invoking(l => l[-1]).Should().Throw<ArgumentOutOfRangeException>();
    }

    private SelectionPipeline Create(IEndpointSelector selector, bool reuseTried = true, string selectorName = "RoundRobin", Func<string>? describeSources = null)
    {
        var pipeline = new SelectionPipeline(Client, _health, _endpoints.Time, new BalancerMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), _logger, describeSources);
        pipeline.Configure(selector, selectorName, reuseTried);
        return pipeline;
    }

    private void CoolDown(BalancerEndpoint endpoint)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));
        _health.OnAttemptCompleted(endpoint, _set, failure: true, response, Now);
    }

    private void ShouldHaveCounted(string reason, string message)
    {
        var measurement = _failures.GetMeasurementSnapshot().Should().ContainSingle().Which;
        measurement.Value.Should().Be(1);
        measurement.Tags[BalancerDiagnostics.ClientTag].Should().Be(Client);
        measurement.Tags[BalancerDiagnostics.ReasonTag].Should().Be(reason);
        var record = _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Message.Contains(message)).Which;
        record.Level.Should().Be(LogLevel.Warning);
    }

    /// <summary>Remembers what each pick was given, then lets <c>inner</c> choose (none without one).</summary>
    private sealed class Recording(IEndpointSelector? inner) : IEndpointSelector
    {
        public List<(IReadOnlyList<BalancerEndpoint> Endpoints, IReadOnlyList<BalancerEndpoint> Pool, IReadOnlyList<BalancerEndpoint> Tried)> Calls { get; } = [];

        public BalancerEndpoint? Select(in SelectionContext context)
        {
            Calls.Add((context.Endpoints, context.Pool, context.TriedEndpoints));
            return inner?.Select(context);
        }
    }
}
