using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One pick of each built-in selector from the same endpoint array on every call, as a client does between two
/// changes of its endpoint set (the selectors cache their derived tables per list instance).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class SelectorBenchmarks
{
    private const int Seed = 42;

    private RoundRobinSelector _roundRobin = null!;
    private RandomSelector _random = null!;
    private PowerOfTwoChoicesSelector _powerOfTwoChoices = null!;
    private PeakEwmaSelector _peakEwma = null!;
    private LeastLatencySelector _leastLatency = null!;
    private WeightedRoundRobinSelector _weightedRoundRobin = null!;
    private SelectionContext _context;

    [Params(8, 16, 100, 1000)]
    public int Endpoints { get; set; }

    [Params(false, true)]
    public bool MixedWeights { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context = new SelectionContext(BenchmarkEndpoints.Create(Endpoints, MixedWeights));
        _roundRobin = new RoundRobinSelector(RandomSource.Create(Seed));
        _random = new RandomSelector(RandomSource.Create(Seed));
        _powerOfTwoChoices = new PowerOfTwoChoicesSelector(RandomSource.Create(Seed));
        _peakEwma = new PeakEwmaSelector(RandomSource.Create(Seed), TimeProvider.System);
        _leastLatency = new LeastLatencySelector(RandomSource.Create(Seed), TimeProvider.System);
        _weightedRoundRobin = new WeightedRoundRobinSelector(RandomSource.Create(Seed), TimeProvider.System, new WeightedRoundRobinOptions());
    }

    [Benchmark(Baseline = true)]
    public BalancerEndpoint? RoundRobin() => _roundRobin.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? Random() => _random.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? PowerOfTwoChoices() => _powerOfTwoChoices.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? PeakEwma() => _peakEwma.Select(in _context);

    /// <summary>A full scan up to 16 endpoints, 8 weighted candidates above.</summary>
    [Benchmark]
    public BalancerEndpoint? LeastLatency() => _leastLatency.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? WeightedRoundRobin() => _weightedRoundRobin.Select(in _context);
}
