using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Balancer.Client.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Balancer.Client.IntegrationTests.Health;

public sealed class StoppedBackendTests
{
    [Fact]
    public async Task Get_OneOfFiveStoppedUnderLoadConnectionFailuresOff_NoRequestFails_EjectedThenBackWithSlowStart()
    {
        const string Name = "one-stopped";
        const int Concurrency = 4;
        const int ConsecutiveFailures = 5;
        var ejectionTime = TimeSpan.FromSeconds(2);
        var slowStartWindow = TimeSpan.FromSeconds(2);
        await using var cluster = await BackendCluster.StartAsync(5, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var stopped = cluster[4];
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                // Round robin gives every endpoint the same share, so the returning endpoint's ramp is easy to read.
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
                o.Health.OutlierDetection.ConsecutiveFailures = ConsecutiveFailures;
                o.Health.OutlierDetection.BaseEjectionTime = ejectionTime;
                o.Health.SlowStart.Window = slowStartWindow;
                o.Telemetry.EndpointTags = true;

                // The outlier-detection path: with connection failures on, a refusal takes the endpoint out at once instead.
                o.Health.ConnectionFailure.Enabled = false;
            },
            client: b => b.AddFeedbackObserver(_ => observer).AddBalancerRetry());
        using var ejections = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), BalancerDiagnostics.Name, "balancer.client.ejections");
        var client = provider.CreateClient(Name);
        int AttemptsOnStopped() => observer.Attempts.Count(a => a.Endpoint.Address.Port == stopped.Port);

        // 1. Stopped: connections are refused; the balancer retries those on another endpoint and ejects the endpoint.
        await stopped.StopAsync();
        var down = Stopwatch.StartNew();
        (await Load.GetAsync(client, "/down", 120, Concurrency)).Should().Be(0, "a refused connection is retried on another endpoint");
        down.Stop();

        var ejection = ejections.GetMeasurementSnapshot().Should().ContainSingle("phase 1 took {0}", down.Elapsed).Subject;
        Convert.ToInt32(ejection.Tags[BalancerDiagnostics.ServerPortTag], CultureInfo.InvariantCulture).Should().Be(stopped.Port);
        observer.Attempts.Where(a => a.Endpoint.Address.Port == stopped.Port).Should().OnlyContain(a => a.Outcome == AttemptOutcome.Failure && a.Number == 1);

        // The fifth failure in a row ejects it; attempts that other workers had already started may still fail, then none.
        AttemptsOnStopped().Should().BeInRange(ConsecutiveFailures, ConsecutiveFailures + Concurrency - 1);
        observer.Attempts.Where(a => a.Outcome != AttemptOutcome.Success).Should().OnlyContain(a => a.Endpoint.Address.Port == stopped.Port);

        // 2. Restarted: it gets traffic again once its ejection time is over, not before.
        await stopped.RestartAsync();
        var returned = stopped.WaitForRequestsAsync(1).ContinueWith(_ => TimeProvider.System.GetUtcNow(), TaskScheduler.Default);
        var waiting = await Load.GetUntilAsync(client, "/back", Concurrency, () => returned.IsCompleted, maxCount: 50_000, pause: TimeSpan.FromMilliseconds(2));
        waiting.Stopped.Should().BeTrue("the restarted backend should get traffic after its ejection time; {0}", waiting);
        waiting.Failed.Should().Be(0);
        var returnedAt = await returned;
        var sinceReturn = Stopwatch.StartNew();
        (returnedAt - ejection.Timestamp).Should().BeGreaterThan(ejectionTime - TimeSpan.FromMilliseconds(100), "no request reaches it while ejected");

        // 3. Slow start, first half second: it keeps 10% of its share at first, growing to about a third by the end of
        // this window (a fifth on average), while round robin alone would give it the same share as the others.
        cluster.ResetCounters();
        var early = await Load.GetUntilAsync(client, "/ramp", Concurrency, () => sinceReturn.Elapsed >= TimeSpan.FromMilliseconds(500), maxCount: 50_000);
        early.Failed.Should().Be(0);
        var earlyCounts = cluster.ReceivedCounts();
        var earlyOthers = cluster.Take(4).Average(b => (double)earlyCounts[b.Name]);
        earlyCounts[stopped.Name].Should().BeLessThan((long)(0.6 * earlyOthers), "right after its return it gets a fraction of the others' share; counts: {0}", Describe(earlyCounts));

        // 4. After the slow-start window: the same share as the others again.
        var settling = await Load.GetUntilAsync(client, "/ramp", 2, () => sinceReturn.Elapsed >= slowStartWindow + TimeSpan.FromMilliseconds(300), maxCount: 50_000, pause: TimeSpan.FromMilliseconds(2));
        settling.Failed.Should().Be(0);
        cluster.ResetCounters();
        (await Load.GetAsync(client, "/ramped", 250, Concurrency)).Should().Be(0);
        var lateCounts = cluster.ReceivedCounts();
        var lateOthers = cluster.Take(4).Average(b => (double)lateCounts[b.Name]);
        lateCounts[stopped.Name].Should().BeGreaterThan((long)(0.8 * lateOthers), "after the slow-start window it is back to a full share; counts: {0}", Describe(lateCounts));
        ejections.GetMeasurementSnapshot().Should().HaveCount(1, "it was ejected once and came back healthy");
    }

    private static string Describe(IReadOnlyDictionary<string, long> counts) =>
        string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"));
}
