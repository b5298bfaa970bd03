using System.Diagnostics;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Health;

public sealed class ConnectionFailureTests
{
    private static readonly TimeSpan s_signalTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Get_OneOfFiveKilledUnderLoad_NoRequestFails_NoAttemptWhileDown_BackToItsShareAfterRestart()
    {
        const string Name = "killed-under-load";
        const int Concurrency = 8;
        await using var cluster = await BackendCluster.StartAsync(5, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(2));
        var killed = cluster[4];
        var observer = new RecordingObserver();

        // Defaults (connection failures on with a 1 s first reconnect check and a 5 s ramp), except PeakEwma and a short
        // decay time: PeakEwma then forgets the dead endpoint's failures within the test's down time, and without
        // connection failures would send it live attempts again (each a refused connect and a retry). PeakEwma, whose
        // two random candidates give every endpoint traffic, finds the death within milliseconds; LeastLatency (the
        // default) may send an endpoint it does not prefer nothing for a while, so it finds the death with its first
        // attempt there, later than the 200 ms this test allows.
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.PeakEwma;
                o.AddEndpoints(cluster);
                o.LatencyDecayTime = TimeSpan.FromSeconds(1);
            },
            client: b => b.AddFeedbackObserver(_ => observer).AddBalancerRetry());
        var client = provider.CreateClient(Name);
        var inspector = provider.GetRequiredService<IBalancerInspector>();
        var stop = false;
        var load = Load.GetUntilAsync(client, "/load", Concurrency, () => Volatile.Read(ref stop), maxCount: 1_000_000, timeLimit: TimeSpan.FromSeconds(60), pause: TimeSpan.FromMilliseconds(1));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await killed.StopAsync();
            var died = Stopwatch.GetTimestamp();

            // Down for long enough that several reconnect checks fail (at about 1 s and 2.6 s).
            await Task.Delay(TimeSpan.FromSeconds(3));
            Status().Should().Be(EndpointHealthStatus.Unreachable);
            var restarting = Stopwatch.GetTimestamp();
            var attemptsWhileDown = observer.Attempts.Where(a => a.Endpoint.Address.Port == killed.Port && a.StartedAt > died + Ms(200) && a.StartedAt < restarting).ToList();
            attemptsWhileDown.Should().BeEmpty("from 200 ms after its death the dead endpoint is out of the eligible set; {0}", string.Join("; ", attemptsWhileDown.Select(a => $"{a.Outcome} {a.StatusCode} attempt {a.Number} at +{Stopwatch.GetElapsedTime(died, a.StartedAt).TotalMilliseconds:F0} ms")));

            // Restarted: the next reconnect check (about 5.2 s after its death) finds it, and it gets traffic again.
            var receivedBefore = killed.RequestsReceived;
            await killed.RestartAsync();
            await killed.WaitForRequestsAsync(receivedBefore + 1).WaitAsync(s_signalTimeout);
            var back = Stopwatch.GetTimestamp();
            Stopwatch.GetElapsedTime(restarting, back).Should().BeLessThan(TimeSpan.FromSeconds(8), "a reconnect check runs within seconds of the restart");

            // Within about 5 s of its first answers (the reconnect ramp) it has its share again: its old failures are forgotten.
            await Task.Delay(TimeSpan.FromSeconds(5.5));
            cluster.ResetCounters();
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            var counts = cluster.ReceivedCounts();
            var others = cluster.Take(4).Average(b => (double)counts[b.Name]);
            others.Should().BeGreaterThan(0);
            counts[killed.Name].Should().BeGreaterThan((long)(0.4 * others), "the restarted endpoint is back to (about) its fair share; counts: {0}", string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}")));
        }
        finally
        {
            Volatile.Write(ref stop, true);
        }

        var run = await load;
        run.Failed.Should().Be(0, "a refused connection is retried on another endpoint, and then the endpoint is out; {0}", run);

        static long Ms(int milliseconds) => milliseconds * Stopwatch.Frequency / 1000;

        EndpointHealthStatus Status() => inspector.GetSnapshot(Name)!.Endpoints.Single(e => e.Address.Port == killed.Port).Health;
    }

    [Fact]
    public async Task Get_EveryEndpointRefuses_TheCapKeepsSomeIn_TheErrorReachesTheCaller()
    {
        const string Name = "all-refuse";
        var addresses = Enumerable.Range(0, 4).Select(_ => ClosedPort.Address()).ToArray();
        await using var provider = TestServices.Build(Name, o =>
        {
            foreach (var address in addresses)
            {
                o.AddEndpoint(address);
            }
        });
        var client = provider.CreateClient(Name);
        var inspector = provider.GetRequiredService<IBalancerInspector>();

        for (var i = 0; i < 12; i++)
        {
            var act = () => client.GetAsync("/nobody");
            (await act.Should().ThrowAsync<HttpRequestException>()).Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError, "the refusal itself reaches the caller, not a made-up error");
        }

        var health = inspector.GetSnapshot(Name)!.Endpoints.Select(e => e.Health).ToList();
        health.Count(h => h == EndpointHealthStatus.Unreachable).Should().Be(2, "MaxEjectionPercent (0.5) caps the share out for any reason; states: {0}", string.Join(", ", health));
    }

    [Fact]
    public async Task Get_EveryEndpointRefusesWithoutCap_AllOut_PanicStillTries_TheErrorReachesTheCaller()
    {
        const string Name = "all-refuse-panic";
        var addresses = Enumerable.Range(0, 3).Select(_ => ClosedPort.Address()).ToArray();
        await using var provider = TestServices.Build(Name, o =>
        {
            foreach (var address in addresses)
            {
                o.AddEndpoint(address);
            }

            o.Health.OutlierDetection.MaxEjectionPercent = 1;
        });
        var client = provider.CreateClient(Name);
        var inspector = provider.GetRequiredService<IBalancerInspector>();

        for (var i = 0; i < 12; i++)
        {
            var act = () => client.GetAsync("/nobody");
            (await act.Should().ThrowAsync<HttpRequestException>()).Which.HttpRequestError.Should().Be(HttpRequestError.ConnectionError, "in panic the client still sends, and the refusal reaches the caller");
        }

        var snapshot = inspector.GetSnapshot(Name)!;
        snapshot.Endpoints.Should().OnlyContain(e => e.Health == EndpointHealthStatus.Unreachable);
        snapshot.Panic.Should().BeTrue();
    }

    [Fact]
    public async Task Get_TooManyRequestsInARow_IsBackPressure_NotAnEjection()
    {
        const string Name = "throttling";
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            if (i == 0)
            {
                o.Behavior.FailureRate = 1;
                o.Behavior.FailureStatusCode = 429;
            }
        });
        await using var provider = TestServices.Build(Name, o =>
        {
            o.Selector = Balancer.Client.Selection.EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient(Name);

        // Round robin sends every third request to the throttling backend: 20 429s in a row on it, five would eject.
        (await Load.GetAsync(client, "/throttled", 60, concurrency: 1)).Should().Be(20);

        cluster[0].RequestsReceived.Should().Be(20, "it was never ejected, so round robin kept its third");
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot(Name)!;
        snapshot.Endpoints.Should().OnlyContain(e => e.Health == EndpointHealthStatus.Healthy);
    }
}
