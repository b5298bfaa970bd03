using Balancer.Client.DependencyInjection;
using Balancer.Client.Inspection;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One snapshot of a client through <see cref="IBalancerInspector"/>, as the dashboard takes once a second: cost and
/// allocation grow with the number of endpoints (records, latency percentiles, selector scores); the request path pays nothing.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class InspectionBenchmarks
{
    private const string Name = "catalog";

    private ServiceProvider _services = null!;
    private IBalancerInspector _inspector = null!;

    [Params(8, 100, 1000)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var collection = new ServiceCollection();
        collection.AddBalancedHttpClient(Name, o =>
        {
            for (var i = 0; i < Endpoints; i++)
            {
                o.AddEndpoint($"http://127.0.0.1:{20000 + i}/"); // never contacted
            }
        });
        _services = collection.BuildServiceProvider();
        var state = _services.GetRequiredService<BalancerClientRegistry>().Get(Name);
        var now = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < state.Endpoints.Length; i++)
        {
            var stats = state.Endpoints[i].Stats;
            for (var sample = 0; sample < 8; sample++)
            {
                stats.Record(failure: sample == 7 && i % 5 == 0, 0.005 + (i % 17 * 0.001), now);
            }
        }

        _inspector = _services.GetRequiredService<IBalancerInspector>();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>A snapshot of the client with the Peak EWMA selector (which publishes a score per endpoint).</summary>
    [Benchmark]
    public BalancerClientSnapshot? GetSnapshot() => _inspector.GetSnapshot(Name);
}
