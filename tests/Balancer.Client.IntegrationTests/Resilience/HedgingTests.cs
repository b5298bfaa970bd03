using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Balancer.Client.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Resilience;
using Balancer.Client.Selection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Balancer.Client.IntegrationTests.Resilience;

[Collection(LoadSensitiveGroup.Name)]
public sealed class HedgingTests
{
    [Fact]
    public async Task Get_OneOfThreeBackendsVerySlow_HedgedAfter50ms_LatencyFarBelowTheSlowServiceTime_LoserCanceled()
    {
        const string Name = "hedged";
        const int Requests = 45;
        const int Concurrency = 3;
        var fastServiceTime = TimeSpan.FromMilliseconds(3);
        const double Slowdown = 1000; // 3 s: far beyond any stall of a loaded machine
        var slowServiceTime = fastServiceTime * Slowdown;
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = fastServiceTime;
            o.Behavior.SlowdownFactor = i == 2 ? Slowdown : 1;
        });
        var slow = cluster[2];
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                // Round robin keeps sending a third of the first attempts to the slow backend: hedging has to save each.
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
                o.Telemetry.EndpointTags = true;
            },
            client: b => b.AddFeedbackObserver(_ => observer).AddBalancerHedging(o => o.Delay = TimeSpan.FromMilliseconds(50)),

            // A third of the requests need a hedge here, beyond the default budget of 20%: allow one extra attempt per request.
            services: s => s.Configure<BalancerRetryOptions>(Name, o => o.BudgetRatio = 1));
        using var requests = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), BalancerDiagnostics.Name, "balancer.client.requests");
        var client = provider.CreateClient(Name);

        var latencies = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (_, token) =>
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync("/hedged", token);
            latencies.Add(watch.Elapsed);
            response.IsSuccessStatusCode.Should().BeTrue();
            response.BackendName().Should().NotBe(slow.Name, "a fast copy always wins over the slow backend");
        });

        var sorted = latencies.Order().ToList();
        var p90 = sorted[(int)Math.Ceiling(0.9 * sorted.Count) - 1];
        var shown = string.Join(", ", sorted.Select(l => l.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)));
        p90.Should().BeLessThan(slowServiceTime / 4, "latencies (ms): {0}", shown);
        sorted[^1].Should().BeLessThan(slowServiceTime / 2, "latencies (ms): {0}", shown);

        // Extra attempts: one hedge for each first attempt that went to the slow backend, and few others.
        var attempts = observer.Attempts;
        var firstOnSlow = attempts.Count(a => a.Number == 1 && a.Endpoint.Address.Port == slow.Port);
        firstOnSlow.Should().BeGreaterThan(0);
        var extra = cluster.TotalReceived - Requests;
        extra.Should().BeGreaterThanOrEqualTo(firstOnSlow).And.BeLessThanOrEqualTo(firstOnSlow + (Requests / 5), "only a fast attempt slower than the delay is hedged besides");

        // The losers on the slow backend were cancelled: recorded as canceled, neither as failure nor as latency.
        var onSlow = attempts.Where(a => a.Endpoint.Address.Port == slow.Port).ToList();
        onSlow.Should().OnlyContain(a => a.Outcome == AttemptOutcome.Canceled);
        long Count(string outcome) => requests.GetMeasurementSnapshot()
            .Where(m => Convert.ToInt32(m.Tags[BalancerDiagnostics.ServerPortTag], CultureInfo.InvariantCulture) == slow.Port && Equals(m.Tags[BalancerDiagnostics.OutcomeTag], outcome))
            .Sum(m => m.Value);
        Count("canceled").Should().Be(onSlow.Count);
        Count("failure").Should().Be(0);
        Count("success").Should().Be(0);

        // A POST is not hedged: three in a row go round the three backends once, and the slow one is waited for.
        cluster.ResetCounters();
        var postLatencies = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            using var content = new StringContent("{}", Encoding.UTF8, "application/json");
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsync("/not-hedged", content);
            postLatencies.Add(watch.Elapsed);
            response.IsSuccessStatusCode.Should().BeTrue();
        }

        cluster.ReceivedCounts().Values.Should().Equal(1, 1, 1);
        postLatencies.Max().Should().BeGreaterThanOrEqualTo(slowServiceTime - TimeSpan.FromMilliseconds(50));
    }
}
