using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// The picks of <see cref="SelectorBenchmarks"/> made by two threads at once on one selector instance, the way
/// concurrent requests of one client share it. Each invocation runs <see cref="PicksPerThread"/> picks on the benchmark
/// thread and as many on a dedicated worker thread, started together; the time reported per operation is the wall time
/// of one pick on each thread (two picks complete in that time across the process). Picks go through
/// <see cref="IEndpointSelector"/>, as in the balancing handler.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class ContendedSelectorBenchmarks
{
    private const int PicksPerThread = 1 << 16;
    private const int Seed = 42;

    private readonly SemaphoreSlim _go = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private RoundRobinSelector _roundRobin = null!;
    private RandomSelector _random = null!;
    private PowerOfTwoChoicesSelector _powerOfTwoChoices = null!;
    private PeakEwmaSelector _peakEwma = null!;
    private WeightedRoundRobinSelector _weightedRoundRobin = null!;
    private LeastLatencySelector _leastLatency = null!;
    private PrequalSelector _prequal = null!;
    private SelectionContext _context;
    private IEndpointSelector _current = null!;
    private Thread _worker = null!;
    private volatile bool _stopping;
    private BalancerEndpoint? _sink;

    /// <summary>Where the selectors' random numbers come from.</summary>
    public enum RandomnessMode
    {
        /// <summary><c>RandomSeed</c> set: one shared, interlocked state (deterministic on one thread).</summary>
        Seeded,

        /// <summary>The default: a lock-free state per thread.</summary>
        PerThread,
    }

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [Params(RandomnessMode.Seeded, RandomnessMode.PerThread)]
    public RandomnessMode Randomness { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context = new SelectionContext(BenchmarkEndpoints.Create(Endpoints, mixedWeights: false));
        int? seed = Randomness == RandomnessMode.Seeded ? Seed : null;
        _roundRobin = new RoundRobinSelector(RandomSource.Create(seed));
        _random = new RandomSelector(RandomSource.Create(seed));
        _powerOfTwoChoices = new PowerOfTwoChoicesSelector(RandomSource.Create(seed));
        _peakEwma = new PeakEwmaSelector(RandomSource.Create(seed), TimeProvider.System);
        _weightedRoundRobin = new WeightedRoundRobinSelector(RandomSource.Create(seed), TimeProvider.System, new WeightedRoundRobinOptions());
        _leastLatency = new LeastLatencySelector(RandomSource.Create(seed), TimeProvider.System);
        _prequal = new PrequalSelector(RandomSource.Create(seed), TimeProvider.System, new PrequalOptions(), transport: null);
        _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "contending picker" };
        _worker.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopping = true;
        _go.Release();
        _worker.Join();
        _prequal.Dispose();
        _go.Dispose();
        _done.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? RoundRobin() => RunOnTwoThreads(_roundRobin);

    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? Random() => RunOnTwoThreads(_random);

    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? PowerOfTwoChoices() => RunOnTwoThreads(_powerOfTwoChoices);

    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? PeakEwma() => RunOnTwoThreads(_peakEwma);

    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? WeightedRoundRobin() => RunOnTwoThreads(_weightedRoundRobin);

    /// <summary>The default: a full scan of 8; at 1,000, two random candidates and the last winner, which is shared state written when the winner changes.</summary>
    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? LeastLatency() => RunOnTwoThreads(_leastLatency);

    /// <summary>Without probe results (no transport here): its scan of the empty pool and the client-side fallback, which picks as LeastLatency.</summary>
    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public BalancerEndpoint? Prequal() => RunOnTwoThreads(_prequal);

    private BalancerEndpoint? RunOnTwoThreads(IEndpointSelector selector)
    {
        _current = selector;
        _go.Release();
        var last = Picks(selector, in _context);
        _done.Wait();
        return last ?? _sink;
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _go.Wait();
            if (_stopping)
            {
                return;
            }

            _sink = Picks(_current, in _context);
            _done.Release();
        }
    }

    private static BalancerEndpoint? Picks(IEndpointSelector selector, in SelectionContext context)
    {
        BalancerEndpoint? last = null;
        for (var i = 0; i < PicksPerThread; i++)
        {
            last = selector.Select(in context);
        }

        return last;
    }
}
