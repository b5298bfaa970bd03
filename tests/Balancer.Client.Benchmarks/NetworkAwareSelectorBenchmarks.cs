using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One pick of the NetworkAware selector, with and without a local zone (half of the endpoints local), against
/// PeakEwma on the same endpoints. Every endpoint has latency samples and a measured round trip.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class NetworkAwareSelectorBenchmarks
{
    private const int Seed = 42;

    private PeakEwmaSelector _peakEwma = null!;
    private NetworkAwareSelector _networkAware = null!;
    private NetworkAwareSelector _zoned = null!;
    private SelectionContext _context;

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var endpoints = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        var zoned = new BalancerEndpoint[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var e = endpoints[i];
            zoned[i] = e.WithSettings(e.Weight, i % 2 == 0 ? "zone-a" : "zone-b", null, 0);
            SeedRoundTrip(e.Stats.Network, i);
        }

        _context = new SelectionContext(zoned);
        _peakEwma = new PeakEwmaSelector(RandomSource.Create(Seed), TimeProvider.System);
        _networkAware = new NetworkAwareSelector(RandomSource.Create(Seed), TimeProvider.System, new NetworkAwareOptions { LocalZone = "" });
        _zoned = new NetworkAwareSelector(RandomSource.Create(Seed), TimeProvider.System, new NetworkAwareOptions { LocalZone = "zone-a" });
    }

    [Benchmark(Baseline = true)]
    public BalancerEndpoint? PeakEwma() => _peakEwma.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? NetworkAware() => _networkAware.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? NetworkAwareLocalZone() => _zoned.Select(in _context);

    private static void SeedRoundTrip(NetworkStats network, int index)
    {
        // 0.2 to 3.2 ms with some jitter, as within and across zones.
        for (var sample = 0; sample < 4; sample++)
        {
            network.Record(0.0002 + ((index % 16) * 0.0002) + (sample * 0.00005));
        }
    }
}
