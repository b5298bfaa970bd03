using System.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Selection;

public sealed class WeightedRoundRobinLoadTests
{
    [Fact]
    public async Task WeightedRoundRobin_OneBackendReportsThreeTimesTheUtilization_GetsAboutAThirdOfTheOthersTraffic()
    {
        const string Name = "wrr-orca";
        const int Requests = 600;
        var blackout = TimeSpan.FromMilliseconds(200);
        var updatePeriod = TimeSpan.FromMilliseconds(100);
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.ReportLoad = true;
            o.Behavior.ReportedUtilization = i == 0 ? 0.9 : 0.3;
            o.Behavior.ReportedRps = 100;
        });
        var busy = cluster[0];
        var reports = new LoadReports();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.WeightedRoundRobin;
                o.AddEndpoints(cluster);
                o.WeightedRoundRobin.BlackoutPeriod = blackout;
                o.WeightedRoundRobin.WeightUpdatePeriod = updatePeriod;
            },
            client: b => b.AddFeedbackObserver(_ => reports));
        var client = provider.CreateClient(Name);

        // Warm up until every endpoint has reported for longer than the blackout, plus a schedule update.
        long allReportingSince = 0;
        var warmUp = await Load.GetUntilAsync(
            client,
            "/warm-up",
            2,
            () =>
            {
                if (allReportingSince == 0 && reports.Count(cluster) == cluster.Count)
                {
                    allReportingSince = Stopwatch.GetTimestamp();
                }

                return allReportingSince != 0 && Stopwatch.GetElapsedTime(allReportingSince) > blackout + (2 * updatePeriod);
            },
            maxCount: 50_000,
            pause: TimeSpan.FromMilliseconds(1));
        warmUp.Stopped.Should().BeTrue("{0}", warmUp);
        reports.Last(busy.Port)!.Utilization.Should().Be(0.9, "the client reads the reported load from the ORCA header");
        reports.Last(busy.Port)!.RpsFractional.Should().Be(100);

        cluster.ResetCounters();
        (await Load.GetAsync(client, "/weighted", Requests, 2)).Should().Be(0);

        // Weights are rps ÷ utilization: 100 / 0.9 against 100 / 0.3, so the busy one gets a third of each other's share.
        var counts = cluster.ReceivedCounts();
        var others = cluster.Skip(1).Average(b => (double)counts[b.Name]);
        counts[busy.Name].Should().BeLessThan((long)(0.6 * others), "counts: {0}", string.Join(", ", counts))
            .And.BeGreaterThan((long)(0.1 * others), "a higher utilization lowers the weight, it does not starve the endpoint");
    }

    /// <summary>Keeps the last load report each endpoint sent, as the client parsed it.</summary>
    private sealed class LoadReports : IFeedbackObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, ServerLoadReport> _last = new();

        public void OnAttemptCompleted(in AttemptFeedback feedback)
        {
            if (feedback.Endpoint.Stats.ServerLoad is { } report)
            {
                _last[feedback.Endpoint.Address.Port] = report;
            }
        }

        public int Count(IEnumerable<ScriptedBackend> backends) => backends.Count(b => _last.ContainsKey(b.Port));

        public ServerLoadReport? Last(int port) => _last.TryGetValue(port, out var report) ? report : null;
    }
}
