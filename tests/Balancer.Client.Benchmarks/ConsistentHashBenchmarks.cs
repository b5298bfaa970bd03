using Balancer.Client.Endpoints;
using Balancer.Client.Selection;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One pick of the consistent-hash selector, the key taken from a header or from the request option, cycling through
/// 1,024 requests with different keys; against <see cref="PeakEwmaSelector"/>, which also serves requests without a
/// key. On <see cref="BenchmarkEndpoints"/> a third of the endpoints have requests in flight, so some picks check the
/// load bound; <c>AllBusy</c> puts 4 in flight on every endpoint, so every pick sums the load (the worst case).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class ConsistentHashBenchmarks
{
    private const int Keys = 1024;
    private const string Header = "X-User-Id";

    private ConsistentHashSelector _selector = null!;
    private PeakEwmaSelector _peakEwma = null!;
    private BalancerEndpoint[] _endpoints = null!;
    private BalancerEndpoint[] _busy = null!;
    private HttpRequestMessage[] _byHeader = null!;
    private HttpRequestMessage[] _byOption = null!;
    private HttpRequestMessage _noKey = null!;
    private int _next;

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _endpoints = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        _busy = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        foreach (var endpoint in _busy)
        {
            while (endpoint.Stats.InFlight < 4)
            {
                endpoint.Stats.IncrementInFlight();
            }
        }

        _peakEwma = new PeakEwmaSelector(RandomSource.Create(42), TimeProvider.System);
        _selector = new ConsistentHashSelector(new ConsistentHashOptions { HeaderName = Header }, new PeakEwmaSelector(RandomSource.Create(42), TimeProvider.System));
        _byHeader = new HttpRequestMessage[Keys];
        _byOption = new HttpRequestMessage[Keys];
        for (var i = 0; i < Keys; i++)
        {
            _byHeader[i] = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
            _byHeader[i].Headers.Add(Header, $"user-{i}");
            _byOption[i] = new HttpRequestMessage(HttpMethod.Get, "http://catalog/").SetBalancerHashKey($"user-{i}");
        }

        _noKey = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var request in _byHeader.Concat(_byOption).Append(_noKey))
        {
            request.Dispose();
        }
    }

    [Benchmark(Baseline = true)]
    public BalancerEndpoint? PeakEwma() => _peakEwma.Select(new SelectionContext(_endpoints, _noKey));

    [Benchmark]
    public BalancerEndpoint? KeyFromHeader() => _selector.Select(new SelectionContext(_endpoints, _byHeader[_next++ & (Keys - 1)]));

    [Benchmark]
    public BalancerEndpoint? KeyFromRequestOption() => _selector.Select(new SelectionContext(_endpoints, _byOption[_next++ & (Keys - 1)]));

    [Benchmark]
    public BalancerEndpoint? KeyFromHeaderAllBusy() => _selector.Select(new SelectionContext(_busy, _byHeader[_next++ & (Keys - 1)]));

    [Benchmark]
    public BalancerEndpoint? NoKeyFallback() => _selector.Select(new SelectionContext(_endpoints, _noKey));
}

/// <summary>Building the ring of one endpoint snapshot: done once per snapshot, never per pick (it allocates the ring).</summary>
[MemoryDiagnoser]
public class HashRingBuildBenchmarks
{
    private BalancerEndpoint[] _endpoints = null!;

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup() => _endpoints = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);

    [Benchmark]
    public int Build() => new HashRing(_endpoints).PointCount;
}
