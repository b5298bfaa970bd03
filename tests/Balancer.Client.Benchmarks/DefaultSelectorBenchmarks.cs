using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One pick of the default selector (and of PeakEwma, the cheapest latency-aware one) as a client with default options
/// makes it: the per-thread random source (no <c>RandomSeed</c>), and the pick's timestamp in the context, read once by
/// the client's selection pipeline for eligibility, slow start and the attempt's start. <c>*WithoutTimestamp</c> is the
/// same pick from a context that carries none (a direct call), where the selector reads the clock itself. The
/// timestamp is 5 s after the endpoints' records, so every reading decays as it does between a busy client's requests.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class DefaultSelectorBenchmarks
{
    private LeastLatencySelector _leastLatency = null!;
    private PeakEwmaSelector _peakEwma = null!;
    private SelectionContext _context;
    private SelectionContext _withoutTimestamp;

    [Params(8, 16, 100, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var endpoints = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        var clock = TimeProvider.System;
        _context = new SelectionContext(endpoints) { Timestamp = clock.GetTimestamp() + (5 * clock.TimestampFrequency) };
        _withoutTimestamp = new SelectionContext(endpoints);
        _leastLatency = new LeastLatencySelector(RandomSource.Create(seed: null), clock);
        _peakEwma = new PeakEwmaSelector(RandomSource.Create(seed: null), clock);
    }

    [Benchmark(Baseline = true)]
    public BalancerEndpoint? LeastLatency() => _leastLatency.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? LeastLatencyWithoutTimestamp() => _leastLatency.Select(in _withoutTimestamp);

    [Benchmark]
    public BalancerEndpoint? PeakEwma() => _peakEwma.Select(in _context);
}
