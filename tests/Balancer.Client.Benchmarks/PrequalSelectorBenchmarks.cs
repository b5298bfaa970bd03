using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One pick of the Prequal selector from a full pool of 16 probe results (their uses reset before each pick, as fresh
/// probes would), and one without results (the client-side fallback), against LeastLatency on the same endpoints.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class PrequalSelectorBenchmarks
{
    private const int Seed = 42;

    private LeastLatencySelector _leastLatency = null!;
    private PrequalSelector _prequal = null!;
    private PrequalSelector _empty = null!;
    private ProbeResult[] _results = null!;
    private SelectionContext _context;

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var endpoints = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        _context = new SelectionContext(endpoints);
        _leastLatency = new LeastLatencySelector(RandomSource.Create(Seed), TimeProvider.System);
        var options = new PrequalOptions();
        var time = new FrozenTime();
        _prequal = new PrequalSelector(RandomSource.Create(Seed), time, options, transport: null);
        _empty = new PrequalSelector(RandomSource.Create(Seed), time, options, transport: null);
        var now = time.GetTimestamp();
        _results = [.. Enumerable.Range(0, Math.Min(16, endpoints.Length)).Select(i => new ProbeResult(endpoints[i], i % 4, 5 + (i % 7), 2, now))];
        foreach (var result in _results)
        {
            _prequal.Add(result);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prequal.Dispose();
        _empty.Dispose();
    }

    [Benchmark(Baseline = true)]
    public BalancerEndpoint? LeastLatency() => _leastLatency.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? PrequalFromProbes()
    {
        foreach (var result in _results)
        {
            result.ResetUses();
        }

        return _prequal.Select(in _context);
    }

    [Benchmark]
    public BalancerEndpoint? PrequalWithoutProbes() => _empty.Select(in _context);
}

/// <summary>A clock that stands still, so that the probe results stay fresh for the whole run.</summary>
internal sealed class FrozenTime : TimeProvider
{
    private readonly long _now = System.GetTimestamp();

    public override long GetTimestamp() => _now;
}
