using System.Net;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;
using BenchmarkDotNet.Attributes;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// The ML-scored selector: one pick (request classification, a few sampled candidates, features, online scorer,
/// Thompson draws) at 8 and 1,000 endpoints against Peak EWMA, and one model update from a completed attempt.
/// The model is trained first, so that picks read real estimates.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class MlScoredBenchmarks
{
    private const int Seed = 42;

    private MlScoredSelector _mlScored = null!;
    private PeakEwmaSelector _peakEwma = null!;
    private HttpRequestMessage _request = null!;
    private HttpResponseMessage _ok = null!;
    private SelectionContext _context;
    private AttemptFeedback _feedback;

    [Params(8, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var endpoints = BenchmarkEndpoints.Create(Endpoints, mixedWeights: false);
        var settings = new ClientStats(TimeProvider.System, TimeSpan.FromSeconds(10));
        _request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/orders/42");
        _ok = new HttpResponseMessage(HttpStatusCode.OK);
        _context = new SelectionContext(endpoints, _request);
        _mlScored = new MlScoredSelector("benchmark", RandomSource.Create(Seed), settings, new MlScoredOptions());
        _peakEwma = new PeakEwmaSelector(RandomSource.Create(Seed), TimeProvider.System);
        _mlScored.Select(in _context); // classifies the request (its class travels in the request's options)
        foreach (var endpoint in endpoints)
        {
            for (var i = 0; i < 20; i++)
            {
                var sample = new AttemptFeedback("benchmark", endpoint, _request, AttemptOutcome.Success, HttpStatusCode.OK, null, TimeSpan.FromMilliseconds(5 + (i % 7)), 1);
                _mlScored.OnAttemptCompleted(in sample);
            }
        }

        _feedback = new AttemptFeedback("benchmark", endpoints[0], _request, AttemptOutcome.Success, HttpStatusCode.OK, null, TimeSpan.FromMilliseconds(7), 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _request.Dispose();
        _ok.Dispose();
    }

    [Benchmark(Baseline = true)]
    public BalancerEndpoint? PeakEwmaPick() => _peakEwma.Select(in _context);

    [Benchmark]
    public BalancerEndpoint? MlScoredPick() => _mlScored.Select(in _context);

    /// <summary>One completed attempt teaching the model: class recall from the request, one O(1) lock-free cell update.</summary>
    [Benchmark]
    public void MlScoredUpdate() => _mlScored.OnAttemptCompleted(in _feedback);
}
