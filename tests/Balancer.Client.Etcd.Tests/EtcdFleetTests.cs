using System.Globalization;
using Balancer.Client.Etcd.Internal;
using Balancer.Client.Inspection;
using System.Diagnostics.Metrics;
using Balancer.Client.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Xunit.Abstractions;

namespace Balancer.Client.Etcd.Tests;

[Collection(EtcdTestGroup.Name)]
public sealed class EtcdFleetTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Fleet_SixteenInstances_EveryBackendGetsTheSameLoad_AndConnectionsWithinOne_AlsoAfterAMemberLeaves()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(10, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var fleet = new Instances();
        for (var i = 0; i < 16; i++)
        {
            fleet.Add(Instance.Start(etcd, cluster, "/balancer/fleets/catalog/", $"member-{i:00}", apertureSize: 3));
        }

        await Task.WhenAll(fleet.Select(f => f.WaitForMembersAsync(16)));
        fleet[3].Snapshot().Subset.Should().StartWith("etcd fleet '/balancer/fleets/catalog/': member 'member-03', rank 3 of 16, aperture size 3; following etcd; warm start: ");
        await CheckBalanceAsync(fleet, cluster, "16 members");

        // A member leaves cleanly: its lease is revoked, every other member sees it go and re-cuts its slice.
        var leaving = fleet[5];
        fleet.RemoveAt(5);
        await leaving.DisposeAsync();
        await Task.WhenAll(fleet.Select(f => f.WaitForMembersAsync(15)));
        await CheckBalanceAsync(fleet, cluster, "15 members");
    }

    [SkippableFact]
    public async Task Fleet_ASubscriberThatThrows_IsLogged_AndTheFleetStaysFollowed()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var a = Instance.Start(etcd, cluster, "/balancer/fleets/throwing/", "member-a", apertureSize: 2);
        await a.WaitForSeenAsync(1);
        a.Fleet.Changed += (_, _) => throw new InvalidOperationException("a broken subscriber");

        await using var b = Instance.Start(etcd, cluster, "/balancer/fleets/throwing/", "member-b", apertureSize: 2);
        await using var c = Instance.Start(etcd, cluster, "/balancer/fleets/throwing/", "member-c", apertureSize: 2);
        await a.WaitForSeenAsync(3); // told after the subscriber before it threw

        a.Fleet.IsConnected.Should().BeTrue("a subscriber's exception is not an etcd failure");
        a.Fleet.LastError.Should().BeNull();
        a.Provider.Logs(109).Should().NotBeEmpty().And.AllSatisfy(l => l.Exception.Should().BeOfType<InvalidOperationException>());
        a.Provider.Logs(105).Should().BeEmpty("etcd was reachable all along");
    }

    [SkippableFact]
    public async Task Fleet_EtcdStoppedMidRun_NoRequestFails_TheOutageIsLogged_AndTheFleetResumes()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        await using var a = Instance.Start(etcd, cluster, "/balancer/fleets/outage/", "member-a", apertureSize: 2);
        await using var b = Instance.Start(etcd, cluster, "/balancer/fleets/outage/", "member-b", apertureSize: 2);
        await Task.WhenAll(a.WaitForMembersAsync(2), b.WaitForMembersAsync(2));
        var slice = a.Ports();
        var meters = a.Provider.GetRequiredService<IMeterFactory>();
        using var connected = new MetricCollector<int>(meters, BalancerDiagnostics.Name, "balancer.client.fleet.connected");
        using var membersSeen = new MetricCollector<int>(meters, BalancerDiagnostics.Name, "balancer.client.fleet.members");
        membersSeen.RecordObservableInstruments();
        membersSeen.LastMeasurement!.Value.Should().Be(2);
        membersSeen.LastMeasurement.Tags.Should().Contain(new KeyValuePair<string, object?>("balancer.client", "catalog"));
        await using var load = new BatchLoad(a.Client);

        await etcd.StopAsync();
        (await load.RunUntilAsync(() => a.Fleet.LastError is not null, EtcdClients.WaitLimit)).Should().BeTrue("the fleet notices that etcd is gone");
        (await load.RunUntilAsync(() => load.Successes > 200, EtcdClients.WaitLimit)).Should().BeTrue();

        load.Failures.Should().Be(0, "etcd is never on the request path");
        a.Ports().Should().BeEquivalentTo(slice, "the aperture keeps the last members known");
        a.Snapshot().Subset.Should().Contain("rank 0 of 2").And.Contain("etcd unreachable, keeping the last members known");
        connected.RecordObservableInstruments();
        connected.LastMeasurement!.Value.Should().Be(0, "the metric says the fleet is not followed");
        a.Provider.Logs(105).Should().ContainSingle("one warning per outage, not one per retry").Which.Message.Should().Contain("'catalog'").And.Contain("/balancer/fleets/outage/").And.Contain("2 members");

        await etcd.RestartAsync();
        (await load.RunUntilAsync(() => a.Fleet.IsConnected && a.Provider.Logs(106).Count > 0, EtcdClients.WaitLimit)).Should().BeTrue("the fleet resumes when etcd is back");
        load.Failures.Should().Be(0);
        a.Fleet.Members.Should().Equal("member-a", "member-b");
        connected.RecordObservableInstruments();
        connected.LastMeasurement!.Value.Should().Be(1);
    }

    [SkippableFact]
    public async Task Fleet_ColdInstanceJoiningAWarmFleet_StartsFromTheFleetsEstimates_AndAvoidsTheSlowBackend()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(5, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(2);
            o.Behavior.SlowdownFactor = i == 4 ? 15 : 1;
        });
        const string Prefix = "/balancer/fleets/warm/";
        var slow = cluster[4].Address.Port;
        await using var warm = new Instances();
        // Three members that have measured every backend (round robin: each sees the slow one as often as the rest).
        for (var i = 0; i < 3; i++)
        {
            warm.Add(Instance.Start(etcd, cluster, Prefix, $"warm-{i}", apertureSize: 5, selector: "RoundRobin"));
        }

        (await Task.WhenAll(warm.Select(w => w.SendAsync(100)))).Sum().Should().Be(0);

        // A cold member joins, with the default selector: before its first request it starts from the fleet's medians.
        await using var cold = Instance.Start(etcd, cluster, Prefix, "joiner", apertureSize: 5, selector: null);
        await cold.WaitForEstimatesAsync(members: 3, endpoints: 5);
        var before = cold.Snapshot();
        cold.Fleet.Estimates!.Seeded.Should().Be(5, "every backend took the fleet's estimate");
        before.Endpoints.Should().AllSatisfy(e => e.TotalRequests.Should().Be(0));
        var slowEstimate = before.Endpoints.Single(e => e.Address.Port == slow).LatencyEstimate;
        var fastest = before.Endpoints.Where(e => e.Address.Port != slow).Max(e => e.LatencyEstimate);
        slowEstimate.Should().BeGreaterThan(fastest * 2, "the fleet measured the slow backend 15x slower");
        before.Subset.Should().Contain("warm start: 5 endpoints seeded from the estimates of 3 members");

        cluster.ResetCounters();
        (await cold.SendAsync(200)).Should().Be(0);
        var warmShare = (double)cluster[4].RequestsReceived / cluster.TotalReceived;

        // For comparison: the same client without the fleet, learning from zero.
        await using var alone = Instance.Start(etcd, cluster, prefix: null, "alone", apertureSize: 5, selector: null);
        cluster.ResetCounters();
        (await alone.SendAsync(200)).Should().Be(0);
        var coldShare = (double)cluster[4].RequestsReceived / cluster.TotalReceived;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slow backend's share of the first 200 requests: warm start {warmShare:P1}, learning from zero {coldShare:P1}"));

        warmShare.Should().BeLessThan(0.05);
    }

    [SkippableFact]
    public async Task Fleet_ColdMlScoredInstance_StartsFromTheFleetsClassMeans_AndSendsEachRouteToItsFastBackends()
    {
        await using var etcd = await EtcdServer.StartAsync();
        // Backends 0 and 1 serve /a fast and /b slowly, 2 and 3 the other way round: each backend's overall mean is the
        // same, so only the per-class estimates tell where a route should go.
        await using var cluster = await BackendCluster.StartAsync(4, (i, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(4);
            o.Behavior.Capacity = 64; // no queue: a route's latency is its service time
            o.Behavior.PathSlowdown = i < 2
                ? new Dictionary<string, double> { ["/a"] = 0.25, ["/b"] = 4 }
                : new Dictionary<string, double> { ["/a"] = 4, ["/b"] = 0.25 };
        });
        const string Prefix = "/balancer/fleets/classes/";
        await using var warm = new Instances();
        for (var i = 0; i < 3; i++)
        {
            warm.Add(Instance.Start(etcd, cluster, Prefix, $"warm-{i}", apertureSize: 4, selector: "MlScored"));
        }

        (await Task.WhenAll(warm.Select(w => w.SendAsync(300, TwoRoutes)))).Sum().Should().Be(0);

        await using var cold = Instance.Start(etcd, cluster, Prefix, "joiner", apertureSize: 4, selector: "MlScored");
        await cold.WaitForEstimatesAsync(() => cold.Fleet.Estimates!.Members >= 3 && cold.Fleet.Estimates.SeededClasses >= 8);
        cold.Snapshot().Subset.Should().Contain("warm start: 4 endpoints seeded from the estimates of 3 members, and 8 request classes");

        // The fleet's medians, two routes on every backend (single runs are noisy: a route tried once, on a new connection, can read slow).
        var medians = cluster.Select(b => cold.Fleet.Estimates!.ClassMediansOf(b.Address.AbsoluteUri)).ToList();
        output.WriteLine(string.Join("; ", medians.Select((m, b) => $"backend {b}: " + string.Join(", ", m.Select(c => string.Create(CultureInfo.InvariantCulture, $"class {c.Class} {c.Seconds * 1000:0.0} ms ({c.Samples:0.#} samples)"))))));
        medians.Should().AllSatisfy(m => m.Should().HaveCount(2, "two routes, each measured on every backend"));

        cluster.ResetCounters();
        // One at a time: the pick then rests on what the client knows of the routes, not on its requests in flight.
        (await cold.SendAsync(40, TwoRoutes, parallel: 1)).Should().Be(0);
        var warmFirst = SlowShare(cluster);
        (await cold.SendAsync(160, TwoRoutes)).Should().Be(0);
        var warmShare = SlowShare(cluster);

        await using var alone = Instance.Start(etcd, cluster, prefix: null, "alone", apertureSize: 4, selector: "MlScored");
        cluster.ResetCounters();
        (await alone.SendAsync(40, TwoRoutes, parallel: 1)).Should().Be(0);
        var coldFirst = SlowShare(cluster);
        (await alone.SendAsync(160, TwoRoutes)).Should().Be(0);
        var coldShare = SlowShare(cluster);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests sent to a backend slow for their route, first 40 / first 200: warm start {warmFirst:P1} / {warmShare:P1} ({cold.Fleet.Estimates!.SeededClasses} classes seeded), learning from zero {coldFirst:P1} / {coldShare:P1}"));

        // Learning from zero sends 15-32.5 % of its first 40 requests to the slow side (one machine, five runs); warm, 0-2.5 %.
        warmFirst.Should().BeLessThanOrEqualTo(0.10, "the fleet's class means tell the new instance which backends are fast for each route before its first request");
        warmShare.Should().BeLessThanOrEqualTo(0.15);

        static string TwoRoutes(int i) => i % 2 == 0 ? "/a/1" : "/b/1";

        // The share of requests that reached a backend 4x slower for their route.
        static double SlowShare(BackendCluster cluster)
        {
            var slow = 0;
            var total = 0;
            for (var b = 0; b < cluster.Count; b++)
            {
                foreach (var request in cluster[b].Received)
                {
                    total++;
                    slow += request.PathAndQuery.StartsWith(b < 2 ? "/b" : "/a", StringComparison.Ordinal) ? 1 : 0;
                }
            }

            return (double)slow / total;
        }
    }

    [SkippableFact]
    public async Task Fleet_BackendFailingForEveryone_EjectedByIdleMembersOnTheQuorum_WithinSecondsOfItForming()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var bad = cluster[3];
        await using var members = new Instances();
        for (var i = 0; i < 6; i++)
        {
            members.Add(Instance.Start(etcd, cluster, "/balancer/fleets/eject/", $"member-{i}", apertureSize: 4));
        }

        await Task.WhenAll(members.Select(m => m.WaitForMembersAsync(6)));
        (await Task.WhenAll(members.Select(m => m.SendAsync(40)))).Sum().Should().Be(0);

        // The backend fails for everyone; three members keep sending and take it out on their own evidence.
        bad.Behavior.FailureRate = 1;
        var busy = members.Take(3).ToList();
        var idle = members.Skip(3).ToList();
        await Task.WhenAll(busy.Select(async m =>
        {
            await using var load = new BatchLoad(m.Client);
            (await load.RunUntilAsync(() => m.HealthOf(bad) == EndpointHealthStatus.Ejected, EtcdClients.WaitLimit)).Should().BeTrue();
        }));
        var quorumAt = System.Diagnostics.Stopwatch.GetTimestamp();

        // The idle members sent it nothing since: they take it out on the quorum of the other three.
        await Task.WhenAll(idle.Select(m => m.WaitForEstimatesAsync(() => m.HealthOf(bad) == EndpointHealthStatus.Ejected)));
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(quorumAt);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"every idle member ejected the failing backend {elapsed.TotalMilliseconds:0} ms after the third busy member did"));

        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "verdicts are written within a second of a change and watched");
        idle.Should().AllSatisfy(m =>
        {
            m.Fleet.Estimates!.FleetEjected.Should().Be(1);
            m.Provider.Logs(6).Should().Contain(r => r.Message.Contains("out for 3 fleet members", StringComparison.Ordinal));
            m.Snapshot().Subset.Should().Contain($"out for other members: {bad.Address.AbsoluteUri} (3 members, ejected here on the quorum)");
        });
    }

    [SkippableFact]
    public async Task Fleet_BackendFailingForOneMemberOnly_IsNotEjectedForTheOthers()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var port = cluster[3].Address.Port;
        await using var members = new Instances();
        // Member 0 cannot get answers from backend-3 (its own network path answers 503); the others can.
        members.Add(Instance.Start(etcd, cluster, "/balancer/fleets/one/", "member-0", apertureSize: 4, primary: () => new FailingForPort(port)));
        for (var i = 1; i < 5; i++)
        {
            members.Add(Instance.Start(etcd, cluster, "/balancer/fleets/one/", $"member-{i}", apertureSize: 4));
        }

        await Task.WhenAll(members.Select(m => m.WaitForMembersAsync(5)));
        await using (var load = new BatchLoad(members[0].Client))
        {
            (await load.RunUntilAsync(() => members[0].HealthOf(cluster[3]) == EndpointHealthStatus.Ejected, EtcdClients.WaitLimit)).Should().BeTrue();
        }

        // The others keep sending to it, succeed, and see member 0's verdict without following it.
        var others = members.Skip(1).ToList();
        await Task.WhenAll(others.Select(async m =>
        {
            await using var load = new BatchLoad(m.Client);
            (await load.RunUntilAsync(() => m.Fleet.Estimates!.VerdictsOn(cluster[3].Address.AbsoluteUri) == 1, EtcdClients.WaitLimit)).Should().BeTrue("member 0's verdict reaches every member");
            load.Failures.Should().Be(0);
        }));

        others.Should().AllSatisfy(m =>
        {
            m.HealthOf(cluster[3]).Should().Be(EndpointHealthStatus.Healthy);
            m.Fleet.Estimates!.FleetEjected.Should().Be(0, "one member is no quorum");
            m.Snapshot().Subset.Should().EndWith($"out for other members: {cluster[3].Address.AbsoluteUri} (1 member)");
        });
    }

    [SkippableFact]
    public async Task Fleet_AfterAnEjectionOnTheQuorum_TheMembersOwnSuccessesKeepTheEndpointIn()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        var port = cluster[3].Address.Port;
        await using var members = new Instances();

        // Three members cannot reach backend-3 (their own paths answer 503) and keep it out; the fourth can.
        for (var i = 0; i < 3; i++)
        {
            members.Add(Instance.Start(etcd, cluster, "/balancer/fleets/own/", $"member-{i}", apertureSize: 4, primary: () => new FailingForPort(port), shortEjections: true));
        }

        var own = Instance.Start(etcd, cluster, "/balancer/fleets/own/", "member-own", apertureSize: 4, shortEjections: true);
        members.Add(own);
        await Task.WhenAll(members.Select(m => m.WaitForMembersAsync(4)));
        var loads = members.Take(3).Select(m => new BatchLoad(m.Client)).ToList();
        try
        {
            // Idle, the fourth member takes it out on the quorum of the three.
            await own.WaitForEstimatesAsync(() => own.HealthOf(cluster[3]) == EndpointHealthStatus.Ejected);
            own.Fleet.Estimates!.FleetEjected.Should().Be(1);

            // When that ejection ends it sends to the endpoint itself, succeeds, and keeps it in although the quorum lasts.
            await using var load = new BatchLoad(own.Client);
            (await load.RunUntilAsync(() => own.HealthOf(cluster[3]) != EndpointHealthStatus.Ejected && own.Snapshot().Endpoints.Single(e => e.Address.Port == port).TotalRequests > 0, EtcdClients.WaitLimit)).Should().BeTrue();
            var readings = 0; // the other members' documents read again several times, with the quorum still there
            await own.WaitForEstimatesAsync(() => ++readings > 4 && own.Fleet.Estimates.VerdictsOn(cluster[3].Address.AbsoluteUri) >= 3);

            load.Failures.Should().Be(0);
            own.HealthOf(cluster[3]).Should().NotBe(EndpointHealthStatus.Ejected, "its own successes bring it back for this member");
            own.Fleet.Estimates.FleetEjected.Should().Be(1, "the same quorum does not eject it again");
        }
        finally
        {
            foreach (var busy in loads)
            {
                await busy.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task Fleet_BadEstimates_AreLeftOut_WithALogLineNamingTheKey_AndGoodOnesStillSeed()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        const string Prefix = "/balancer/fleets/estimates/";
        var (a, b) = (cluster[0].Address.ToString(), cluster[1].Address.ToString());
        var now = DateTimeOffset.UtcNow;
        await etcd.PutAsync(Prefix + "estimates/garbage", "{ not json");
        await etcd.PutAsync(Prefix + "estimates/future", "{\"at\":\"" + now.AddHours(1).ToString("O") + "\",\"endpoints\":{\"" + a + "\":{\"latencyMs\":1}}}");
        await etcd.PutAsync(Prefix + "estimates/mixed", "{\"at\":\"" + now.ToString("O") + "\",\"endpoints\":{\"http://127.0.0.1:1/\":{\"latencyMs\":5},\"" + b + "\":{\"latencyMs\":-3},\"" + a + "\":{\"latencyMs\":42}}}");
        await using var member = Instance.Start(etcd, cluster, Prefix, "member-a", apertureSize: 2);

        await member.WaitForEstimatesAsync(members: 1, endpoints: 1);

        member.Fleet.Estimates!.MedianOf(a).Should().Be(TimeSpan.FromMilliseconds(42), "only the good entry of 'mixed' counts; 'future' is left out");
        member.Fleet.Estimates.MedianOf(b).Should().BeNull("a negative latency is no estimate");
        member.Snapshot().Endpoints.Single(e => e.Address.ToString() == a).LatencyEstimate.Should().BeCloseTo(TimeSpan.FromMilliseconds(42), TimeSpan.FromMilliseconds(2), "seeded, decaying as any estimate does");
        var logged = member.Provider.Logs(108).Select(r => r.Message).ToList();
        logged.Should().Contain(m => m.Contains("'/balancer/fleets/estimates/estimates/garbage'", StringComparison.Ordinal) && m.Contains("is not JSON", StringComparison.Ordinal));
        logged.Should().Contain(m => m.Contains("'/balancer/fleets/estimates/estimates/future'", StringComparison.Ordinal) && m.Contains("timestamp in the future", StringComparison.Ordinal));
        logged.Should().Contain(m => m.Contains("'/balancer/fleets/estimates/estimates/mixed'", StringComparison.Ordinal) && m.Contains("'http://127.0.0.1:1/', which this client does not know", StringComparison.Ordinal));
        logged.Should().Contain(m => m.Contains("'/balancer/fleets/estimates/estimates/mixed'", StringComparison.Ordinal) && m.Contains("no positive latencyMs", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Fleet_Medians_WeighEachMembersEstimateByTheRequestsItRestsOn()
    {
        // Three members' estimates of one endpoint and of one request class on it: one sent it 1,000 requests and served
        // the class 8 times, at 10 ms; two sent it 3 requests and tried the class once each (a new connection), reading
        // 200 and 180 ms. Counted alike, both medians would be 180 ms.
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(1, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        const string Prefix = "/balancer/fleets/weighted/";
        var a = cluster[0].Address.ToString();
        var now = DateTimeOffset.UtcNow.ToString("O");
        foreach (var (member, ms, requests, samples) in new[] { ("often", 10, 1000, 8), ("few-1", 200, 3, 1), ("few-2", 180, 3, 1) })
        {
            await etcd.PutAsync(
                Prefix + "estimates/" + member,
                "{\"at\":\"" + now + "\",\"routeClasses\":16,\"endpoints\":{\"" + a + "\":{\"latencyMs\":" + ms + ",\"requests\":" + requests + ",\"classes\":{\"3\":{\"latencyMs\":" + ms + ",\"samples\":" + samples + "}}}}}");
        }

        await using var joiner = Instance.Start(etcd, cluster, Prefix, "joiner", apertureSize: 1, selector: "MlScored");
        await joiner.WaitForEstimatesAsync(() => joiner.Fleet.Estimates!.Members >= 3 && joiner.Fleet.Estimates.ClassMediansOf(a).Count > 0);

        var median = joiner.Fleet.Estimates!.ClassMediansOf(a).Single();
        median.Class.Should().Be(3);
        median.Seconds.Should().BeApproximately(0.010, 1e-9, "8 of the 10 samples say 10 ms");
        joiner.Fleet.Estimates.MedianOf(a).Should().Be(TimeSpan.FromMilliseconds(10), "1,000 of the 1,006 requests say 10 ms");
    }

    [SkippableFact]
    public async Task Fleet_BadDataUnderThePrefix_IsIgnored_WithALogLineNamingTheKey()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await etcd.PutAsync("/balancer/fleets/bad/members/garbage", "not json {");
        await etcd.PutAsync("/balancer/fleets/bad/members/nested/key", "{}");
        await using var a = Instance.Start(etcd, cluster, "/balancer/fleets/bad/", "member-a", apertureSize: 1);

        await a.WaitForSeenAsync(1);

        a.Fleet.Members.Should().Equal("member-a");
        var logged = a.Provider.Logs(104).Select(r => r.Message).ToList();
        logged.Should().Contain(m => m.Contains("'/balancer/fleets/bad/members/garbage'", StringComparison.Ordinal) && m.Contains("not json {", StringComparison.Ordinal));
        logged.Should().Contain(m => m.Contains("'/balancer/fleets/bad/members/nested/key'", StringComparison.Ordinal));
    }

    /// <summary>
    /// Every instance sends the same number of requests by round robin over its slice (which follows the weights
    /// exactly, cycle by cycle); each backend must receive within 5 % of the mean, and be used by a number of instances
    /// within one of the mean.
    /// </summary>
    private async Task CheckBalanceAsync(List<Instance> fleet, BackendCluster cluster, string label)
    {
        var connections = cluster.ToDictionary(b => b.Address.Port, _ => 0);
        foreach (var instance in fleet)
        {
            var ports = instance.Ports();
            ports.Count.Should().BeGreaterThanOrEqualTo(3, "each instance uses at least the aperture size");
            foreach (var port in ports)
            {
                connections[port]++;
            }
        }

        cluster.ResetCounters();
        var failures = await Task.WhenAll(fleet.Select(f => f.SendAsync(800)));
        failures.Sum().Should().Be(0);
        var received = cluster.ReceivedCounts();
        var ratio = received.Values.Max() / received.Values.Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: requests per backend {string.Join(", ", received.Values)}, max/mean {ratio:0.000}; instances per backend {string.Join(", ", connections.Values)}"));

        ratio.Should().BeLessThanOrEqualTo(1.05, "{0}: every backend gets the same share of the fleet's load; received {1}", label, string.Join(", ", received));
        var mean = connections.Values.Average();
        connections.Values.Should().AllSatisfy(c => c.Should().BeInRange((int)Math.Floor(mean) - 1, (int)Math.Ceiling(mean) + 1), "{0}: instances per backend {1}", label, string.Join(", ", connections.Values));
    }

    /// <summary>One client instance of the fleet: its own service provider, client, fleet membership and lease.</summary>
    private sealed class Instance : IAsyncDisposable
    {
        private Instance(ServiceProvider provider, bool member)
        {
            Provider = provider;
            Client = provider.CreateClient("catalog"); // creates the client, and with it its fleet membership
            Fleet = member ? provider.GetRequiredKeyedService<EtcdFleet>("catalog") : null!;
        }

        public ServiceProvider Provider { get; }

        public HttpClient Client { get; }

        public EtcdFleet Fleet { get; }

        /// <summary>A client of the backends, a member of the fleet under <paramref name="prefix"/> (none when null); the selector null is the default.</summary>
        public static Instance Start(EtcdServer etcd, BackendCluster cluster, string? prefix, string memberId, int apertureSize, string? selector = "RoundRobin", Func<HttpMessageHandler>? primary = null, bool shortEjections = false)
        {
            var services = new ServiceCollection();
            services.AddFakeLogging();
            services.AddMetrics();
            var builder = services.AddBalancedHttpClient("catalog", o =>
            {
                o.Selector = selector ?? o.Selector;
                o.Health.SlowStart.Window = TimeSpan.Zero;
                if (shortEjections)
                {
                    o.Health.OutlierDetection.BaseEjectionTime = TimeSpan.FromSeconds(2);
                }
                foreach (var backend in cluster)
                {
                    o.AddEndpoint(backend.Address.ToString());
                }
            });
            if (primary is not null)
            {
                builder.ConfigurePrimaryHttpMessageHandler(primary);
            }

            if (prefix is not null)
            {
                builder.AddEtcdFleet(o =>
                {
                    o.Endpoints = [etcd.ClientUrl];
                    o.Prefix = prefix;
                    o.MemberId = memberId;
                    o.ApertureSize = apertureSize;
                    o.EstimateInterval = TimeSpan.FromSeconds(1);
                    o.RetryDelay = TimeSpan.FromMilliseconds(100);
                    o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
                });
            }

            return new Instance(services.BuildServiceProvider(), prefix is not null);
        }

        public BalancerClientSnapshot Snapshot() => Provider.GetRequiredService<IBalancerInspector>().GetSnapshot("catalog")!;

        /// <summary>The ports of the endpoints the client holds now.</summary>
        public HashSet<int> Ports() => [.. Snapshot().Endpoints.Select(e => e.Address.Port)];

        public Task WaitForMembersAsync(int count) => WaitAsync(() => Fleet.Members.Count == count);

        public Task WaitForSeenAsync(int count) => WaitAsync(() => Fleet.Seen.Count == count);

        public EndpointHealthStatus HealthOf(ScriptedBackend backend) =>
            Snapshot().Endpoints.Single(e => e.Address.Port == backend.Address.Port).Health;

        /// <summary>Waits until the estimates of <paramref name="members"/> other members cover <paramref name="endpoints"/> endpoints, checked each time they are read again.</summary>
        public Task WaitForEstimatesAsync(int members, int endpoints) =>
            WaitForEstimatesAsync(() => Fleet.Estimates!.Members >= members && Snapshot().Endpoints.Count(e => Fleet.Estimates.MedianOf(e.Address.AbsoluteUri) is not null) >= endpoints);

        /// <summary>Waits until <paramref name="condition"/> holds, checked each time the other members' documents are read again.</summary>
        public async Task WaitForEstimatesAsync(Func<bool> condition)
        {
            var estimates = Fleet.Estimates!;
            // Not disposed: the event can still be raised on another thread after the handler is removed.
            var updated = new SemaphoreSlim(0);
            void OnUpdated() => updated.Release();
            estimates.Updated += OnUpdated;
            try
            {
                using var limit = new CancellationTokenSource(EtcdClients.WaitLimit);
                while (!condition())
                {
                    await updated.WaitAsync(limit.Token);
                }
            }
            finally
            {
                estimates.Updated -= OnUpdated;
            }
        }

        public async Task<int> SendAsync(int requests, Func<int, string>? path = null, int parallel = 4)
        {
            var failures = 0;
            await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, token) =>
            {
                using var response = await Client.GetAsync(new Uri(path?.Invoke(i) ?? "/work", UriKind.Relative), token);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            });
            return failures;
        }

        public ValueTask DisposeAsync() => Provider.DisposeAsync();

        /// <summary>Waits until <paramref name="condition"/> holds, checked again each time the fleet's membership changes.</summary>
        private async Task WaitAsync(Func<bool> condition)
        {
            // Not disposed: the event can still be raised on another thread after the handler is removed.
            var changed = new SemaphoreSlim(0);
            void OnChanged(object? sender, EventArgs e) => changed.Release();
            Fleet.Changed += OnChanged;
            try
            {
                using var limit = new CancellationTokenSource(EtcdClients.WaitLimit);
                while (!condition())
                {
                    await changed.WaitAsync(limit.Token);
                }
            }
            finally
            {
                Fleet.Changed -= OnChanged;
            }
        }
    }

    /// <summary>A network path on which one backend answers 503: a failure this client alone sees.</summary>
    private sealed class FailingForPort(int port) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri?.Port == port
                ? Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { RequestMessage = request })
                : base.SendAsync(request, cancellationToken);
    }

    /// <summary>Instances disposed together at the end of a test (disposing one twice is harmless).</summary>
    private sealed class Instances : List<Instance>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var instance in this)
            {
                await instance.DisposeAsync();
            }
        }
    }
}
