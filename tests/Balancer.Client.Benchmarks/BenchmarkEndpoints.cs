using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Benchmarks;

/// <summary>Endpoint lists for the benchmarks: loopback addresses that are never contacted, with seeded statistics.</summary>
internal static class BenchmarkEndpoints
{
    private static readonly IReadOnlyDictionary<string, double> s_noNamedMetrics = new Dictionary<string, double>();

    /// <summary>
    /// Creates <paramref name="count"/> endpoints sharing one set of feedback settings. With <paramref name="mixedWeights"/>
    /// the weights cycle through 1..5, otherwise all are 1. Each endpoint gets a few latency samples (5 to 23 ms, one in
    /// seven with a failure), one in three has requests in flight, and each has reported its load (CPU 20 to 65%, 100 to
    /// 160 requests per second) for 20 seconds, so latency-, load- and report-aware selectors compare real numbers.
    /// </summary>
    public static BalancerEndpoint[] Create(int count, bool mixedWeights)
    {
        var settings = new ClientStats(TimeProvider.System, TimeSpan.FromSeconds(10));
        var endpoints = new BalancerEndpoint[count];
        for (var i = 0; i < count; i++)
        {
            var weight = mixedWeights ? 1 + (i % 5) : 1;
            var stats = new EndpointStats(settings);
            endpoints[i] = new BalancerEndpoint(new Uri($"http://127.0.0.1:{20000 + i}/"), weight, zone: null, metadata: null, stats);
            Seed(stats, i);
        }

        return endpoints;
    }

    private static void Seed(EndpointStats stats, int index)
    {
        var baseLatency = 0.005 + ((index % 17) * 0.001);
        for (var sample = 0; sample < 4; sample++)
        {
            stats.Record(failure: false, baseLatency + (sample * 0.0005), TimeProvider.System.GetTimestamp());
        }

        if (index % 7 == 0)
        {
            stats.Record(failure: true, baseLatency, TimeProvider.System.GetTimestamp());
        }

        for (var i = 0; i < index % 3; i++)
        {
            stats.IncrementInFlight();
        }

        // Two reports 20 s apart (past the weighted round robin blackout period); they expire 3 minutes after the last.
        var clock = TimeProvider.System;
        var now = clock.GetTimestamp();
        var expiration = 180 * clock.TimestampFrequency;
        var report = new ServerLoadReport(0.2 + ((index % 10) * 0.05), 0, 0, 100 + ((index % 7) * 10), 0, s_noNamedMetrics, clock.GetUtcNow());
        stats.RecordServerLoad(report, now - (20 * clock.TimestampFrequency), expiration);
        stats.RecordServerLoad(report, now, expiration);
    }
}
