using System.Diagnostics;
using System.Net.Sockets;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Xunit.Abstractions;

namespace Balancer.Client.IntegrationTests.Selection;

/// <summary>
/// The NetworkAware selector on real Kestrel backends, each behind a real <see cref="DelayProxy"/> that puts it at a
/// network distance. Shares are counted at the backends, so the probes (which never send a request) do not count.
/// </summary>
[Collection(LoadSensitiveGroup.Name)]
public sealed class NetworkAwareSelectorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_near = TimeSpan.Zero;
    private static readonly TimeSpan s_far = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_serviceTime = TimeSpan.FromMilliseconds(2);

    [Fact]
    public async Task NetworkAware_LowRoundTripEndpoints_GetAtLeast80Percent_AndAgainWithin10SecondsOfASwap()
    {
        const string Name = "rtt-swap";
        const int Workers = 6;
        await using var backends = await ProxiedBackends.StartAsync(s_serviceTime, s_near, s_near, s_near, s_near, s_far, s_far);
        await WarmUpAsync(backends);
        await using var provider = TestServices.Build(Name, o =>
        {
            o.Selector = EndpointSelectorNames.NetworkAware;
            AddProxies(o, backends);
            o.NetworkAware.Probes.Interval = TimeSpan.FromMilliseconds(200);
        });
        var client = provider.CreateClient(Name);

        // 1. Four near endpoints, two 100 ms further away: the near ones have capacity to spare and get the traffic.
        (await Load.GetAsync(client, "/before", 600, Workers)).Should().Be(0);
        output.WriteLine($"before the swap: {backends.ShareOf(0, 1, 2, 3):P1} near; {backends.Describe()}");
        backends.ShareOf(0, 1, 2, 3).Should().BeGreaterThanOrEqualTo(0.8, "near endpoints should win; {0}", backends.Describe());

        // 2. Swap: backends 0 and 1 move far away, 4 and 5 come near. Within 10 s, traffic is mostly near again: two
        //    windows of 200 requests in a row with at least 80% to the endpoints that are near now.
        backends.Proxies[0].SetDelay(s_far);
        backends.Proxies[1].SetDelay(s_far);
        backends.Proxies[4].SetDelay(s_near);
        backends.Proxies[5].SetDelay(s_near);
        var swapped = Stopwatch.StartNew();
        var windows = new List<string>();
        var good = 0;
        while (good < 2 && swapped.Elapsed < TimeSpan.FromSeconds(10))
        {
            backends.Cluster.ResetCounters();
            (await Load.GetAsync(client, "/after", 200, Workers)).Should().Be(0);
            var share = backends.ShareOf(2, 3, 4, 5);
            good = share >= 0.8 ? good + 1 : 0;
            windows.Add($"{swapped.Elapsed.TotalSeconds:0.0} s: {share:P0}");
        }

        output.WriteLine($"windows after the swap: {string.Join("; ", windows)}; last: {backends.Describe()}");
        good.Should().Be(2, "two windows in a row should reach 80% within 10 s; windows: {0}", string.Join("; ", windows));
    }

    [Fact]
    public async Task NetworkAware_LocalZone_GetsAlmostAllTraffic_EvenWhenSlightlyFurther()
    {
        const string Name = "zone-local";
        await using var backends = await ProxiedBackends.StartAsync(s_serviceTime, Ms(0.5), Ms(0.5), s_near, s_near);
        await WarmUpAsync(backends);
        await using var provider = TestServices.Build(Name, o => ZonedClient(o, backends));

        (await Load.GetAsync(provider.CreateClient(Name), "/local", 400, 4)).Should().Be(0);
        output.WriteLine(backends.Describe());

        backends.ShareOf(0, 1).Should().BeGreaterThanOrEqualTo(0.9, "the local zone should keep the traffic; {0}", backends.Describe());
        backends.Cluster[0].RequestsReceived.Should().BePositive();
        backends.Cluster[1].RequestsReceived.Should().BePositive();
    }

    [Fact]
    public async Task NetworkAware_LocalBackendsStopped_SpillsOverToTheOtherZone()
    {
        const string Name = "zone-stopped";
        await using var backends = await ProxiedBackends.StartAsync(s_serviceTime, s_near, s_near, s_near, s_near);
        await WarmUpAsync(backends);
        await using var provider = TestServices.Build(Name, o => ZonedClient(o, backends));
        var client = provider.CreateClient(Name);
        (await Load.GetAsync(client, "/local", 100, 4)).Should().Be(0);
        backends.ShareOf(0, 1).Should().BeGreaterThanOrEqualTo(0.9, "local first; {0}", backends.Describe());

        await backends.Cluster[0].StopAsync();
        await backends.Cluster[1].StopAsync();
        backends.Cluster.ResetCounters();
        var failed = await Load.GetAsync(client, "/spill", 300, 4);
        output.WriteLine($"{failed} failed; {backends.Describe()}");

        // The proxies reset connections to the stopped backends: a few requests fail before the cost (failure penalty,
        // then ejection) moves the traffic to the other zone.
        failed.Should().BeLessThanOrEqualTo(30);
        (backends.Cluster[2].RequestsReceived + backends.Cluster[3].RequestsReceived).Should().BeGreaterThanOrEqualTo(270, "remote endpoints should serve; {0} failed", failed);
    }

    [Fact]
    public async Task NetworkAware_LocalBackendsOverloaded_SpillOverTheRest()
    {
        const string Name = "zone-busy";
        var serviceTime = TimeSpan.FromMilliseconds(10);
        await using var backends = await ProxiedBackends.StartAsync(serviceTime, s_near, s_near, s_near, s_near);
        await WarmUpAsync(backends);

        // Each local backend serves one request at a time (the rest queue); eight workers need more than that.
        backends.Cluster[0].Behavior.Capacity = 1;
        backends.Cluster[1].Behavior.Capacity = 1;
        await using var provider = TestServices.Build(Name, o => ZonedClient(o, backends));

        (await Load.GetAsync(provider.CreateClient(Name), "/busy", 600, 8)).Should().Be(0);
        output.WriteLine(backends.Describe());

        backends.ShareOf(2, 3).Should().BeGreaterThanOrEqualTo(0.3, "the busy local zone should spill over; {0}", backends.Describe());
        backends.ShareOf(0, 1).Should().BeGreaterThanOrEqualTo(0.1, "the local zone still serves what it can; {0}", backends.Describe());
    }

    [Fact]
    public async Task NetworkAware_Probes_MeasureTheRoundTripOfEachEndpoint()
    {
        const string Name = "rtt-probes";
        await using var backends = await ProxiedBackends.StartAsync(s_serviceTime, s_near, Ms(20));
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.NetworkAware;
                AddProxies(o, backends);
                o.NetworkAware.Probes.Interval = TimeSpan.FromMilliseconds(100);
            },
            client: b => b.AddFeedbackObserver(_ => observer));
        var client = provider.CreateClient(Name);
        while (observer.Attempts.Select(a => a.Endpoint.Address).Distinct().Count() < 2)
        {
            (await Load.TryGetAsync(client, "/find")).Should().BeTrue();
        }

        var far = backends.Proxies[1];
        await far.WaitForConnectionsAsync(far.ConnectionsAccepted + 6).WaitAsync(TimeSpan.FromSeconds(20));
        var network = observer.Attempts.Select(a => a.Endpoint).DistinctBy(e => e.Address).ToDictionary(e => e.Address.Port, e => e.Stats.Network);

        var farRtt = network[far.Port].RoundTripTime!.Value;
        var nearRtt = network[backends.Proxies[0].Port].RoundTripTime!.Value;
        farRtt.Should().BeGreaterThan(TimeSpan.FromMilliseconds(15), "probes through a proxy adding 40 ms per round trip");
        nearRtt.Should().BeLessThan(farRtt - TimeSpan.FromMilliseconds(10));
        network[far.Port].Samples.Should().BeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public async Task NetworkAware_UserConnectCallback_StillRuns_AndIsTimed()
    {
        const string Name = "user-connect";
        await using var backends = await ProxiedBackends.StartAsync(s_serviceTime, s_near);
        var observer = new RecordingObserver();
        var userConnects = 0;
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.NetworkAware;
                AddProxies(o, backends);
                o.NetworkAware.Probes.Enabled = false;
            },
            client: b => b
                .AddFeedbackObserver(_ => observer)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    ConnectCallback = async (context, token) =>
                    {
                        Interlocked.Increment(ref userConnects);
                        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        await socket.ConnectAsync(context.DnsEndPoint, token);
                        return new NetworkStream(socket, ownsSocket: true);
                    },
                }));

        (await Load.GetAsync(provider.CreateClient(Name), "/user", 20, 2)).Should().Be(0);

        Volatile.Read(ref userConnects).Should().BeInRange(1, 2);
        var network = observer.Attempts[0].Endpoint.Stats.Network;
        network.Samples.Should().Be(Volatile.Read(ref userConnects), "each connection the user's callback opened was timed (probes are off)");
        backends.Proxies[0].ConnectionsAccepted.Should().Be(network.Samples);
    }

    [Fact]
    public async Task NetworkAware_DefaultPrimaryHandler_TimesConnects_AndCountsRefusals()
    {
        const string Name = "default-connect";
        await using var backends = await ProxiedBackends.StartAsync(s_serviceTime, s_near);
        var observer = new RecordingObserver();
        var closed = ClosedPort.Address();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.NetworkAware;
                AddProxies(o, backends);
                o.AddEndpoint(closed);
                o.NetworkAware.Probes.Enabled = false;
            },
            client: b => b.AddFeedbackObserver(_ => observer));

        await Load.GetAsync(provider.CreateClient(Name), "/default", 30, 1);

        var byPort = observer.Attempts.Select(a => a.Endpoint).DistinctBy(e => e.Address).ToDictionary(e => e.Address.Port, e => e.Stats.Network);
        byPort[backends.Proxies[0].Port].Samples.Should().BePositive();
        byPort[new Uri(closed).Port].ConsecutiveFailures.Should().BePositive();
        observer.Attempts.Where(a => a.Outcome == AttemptOutcome.Failure).Should().OnlyContain(a => a.Endpoint.Address.Port == new Uri(closed).Port);
    }

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static void AddProxies(BalancerOptions options, ProxiedBackends backends, Func<int, string?>? zone = null)
    {
        for (var i = 0; i < backends.Proxies.Length; i++)
        {
            options.AddEndpoint(backends.Proxies[i].Address.ToString(), zone: zone?.Invoke(i));
        }
    }

    /// <summary>Backends 0 and 1 in the client's zone, 2 and 3 in another.</summary>
    private static void ZonedClient(BalancerOptions options, ProxiedBackends backends)
    {
        options.Selector = EndpointSelectorNames.NetworkAware;
        options.NetworkAware.LocalZone = "zone-a";
        options.NetworkAware.Probes.Interval = TimeSpan.FromMilliseconds(200);
        AddProxies(options, backends, i => i < 2 ? "zone-a" : "zone-b");
    }

    /// <summary>
    /// Peak EWMA keeps the highest recent latency for about LatencyDecayTime: a client measured while the process still
    /// compiles its code paths would remember those peaks. Warm up with another client, measure with a fresh one.
    /// </summary>
    private static async Task WarmUpAsync(ProxiedBackends backends)
    {
        await using (var warmUp = TestServices.Build("network-warm-up", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            AddProxies(o, backends);
        }))
        {
            (await Load.GetAsync(warmUp.CreateClient("network-warm-up"), "/warm-up", 100, 4)).Should().Be(0);
        }

        backends.Cluster.ResetCounters();
    }
}
