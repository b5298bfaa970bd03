using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Selection;
using Balancer.Client.Selection.Pipeline;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// The not-tried step of the selection pipeline with none, one and two endpoints tried, against copying the rest
/// into a new array (what a retry cost before the step kept its views); and whole picks through the pipeline, first
/// attempt and retry, of a keyed request with the consistent-hash selector, which reads the pool on a retry.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class SelectionPipelineBenchmarks
{
    private readonly NotTriedFilter _filter = new();
    private BalancerEndpoint[] _pool = null!;
    private BalancerEndpoint[] _oneTried = null!;
    private BalancerEndpoint[] _twoTried = null!;
    private EndpointSet _set = null!;
    private SelectionPipeline _pipeline = null!;
    private HttpRequestMessage _request = null!;
    private BalancerEndpoint[] _keyTried = null!;

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        _oneTried = [_pool[Endpoints / 2]];
        _twoTried = [_pool[0], _pool[Endpoints / 2]];
        _set = new EndpointSet(_pool, 1);
        var settings = new ClientStats(TimeProvider.System, TimeSpan.FromSeconds(10));
        var health = new HealthMonitor("catalog", settings, new BalancerMetrics(null), NullLogger.Instance);
        _pipeline = new SelectionPipeline("catalog", health, TimeProvider.System, new BalancerMetrics(null), NullLogger.Instance, describeSources: null);
        _pipeline.Configure(new ConsistentHashSelector(new ConsistentHashOptions(), new PeakEwmaSelector(RandomSource.Create(42), TimeProvider.System)), EndpointSelectorNames.ConsistentHash, reuseTriedEndpoints: true);
        _request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/").SetBalancerHashKey("user-1");
        _keyTried = [_pipeline.Select(_request, _set, [])];
        _filter.Apply(_pool, _oneTried);
        _pipeline.Select(_request, _set, _keyTried);
    }

    [GlobalCleanup]
    public void Cleanup() => _request.Dispose();

    [Benchmark(Baseline = true)]
    public int CopyOneTried() => _pool.Where(e => !string.Equals(e.Key, _oneTried[0].Key, StringComparison.Ordinal)).ToArray().Length;

    [Benchmark]
    public int FilterNoneTried() => _filter.Apply(_pool, []).Count;

    [Benchmark]
    public int FilterOneTried() => _filter.Apply(_pool, _oneTried).Count;

    [Benchmark]
    public int FilterTwoTried() => _filter.Apply(_pool, _twoTried).Count;

    [Benchmark]
    public BalancerEndpoint PipelineFirstAttempt() => _pipeline.Select(_request, _set, []);

    [Benchmark]
    public BalancerEndpoint PipelineRetry() => _pipeline.Select(_request, _set, _keyTried);
}
