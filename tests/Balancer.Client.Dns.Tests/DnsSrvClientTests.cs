using System.Diagnostics;
using Balancer.Client.Selection;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Dns.Tests;

/// <summary>Balanced clients whose endpoints come from a real dnsmasq, sending to real Kestrel backends.</summary>
public sealed class DnsSrvClientTests
{
    private const string Service = DnsZone.ServiceName;
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public async Task Srv_RecordsChangeUnderLoad_TrafficFollowsWithinTheTtlWithoutFailures()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        await using var dns = await Dnsmasq.StartAsync(DnsZone.For(cluster[0], cluster[1]), ttlSeconds: 1);
        var logs = new LogRecorder();
        await using var provider = DnsTestServices.Build("dns-load", _ => { }, b => b.AddDnsSrvEndpoints(Service, o => o.NameServers.Add(dns.EndPoint)), logs);
        await using var load = new BatchLoad(provider.CreateClient("dns-load"), "/");
        await cluster[0].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);
        await cluster[1].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);

        // A backend added to the records gets traffic after the next lookup: TTL 1 s, far below MaxRefresh (60 s).
        var added = logs.WaitForNextAsync(e => e.Id.Id == 2 && e.Message.Contains("has 3 endpoints", StringComparison.Ordinal));
        var changed = Stopwatch.StartNew();
        await dns.RestartAsync(DnsZone.For(cluster[0], cluster[1], cluster[2]));
        await added;
        var addedAfter = changed.Elapsed;
        await cluster[2].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);

        // A backend removed from the records gets nothing once the set changed, and stopping it then costs nothing.
        var removed = logs.WaitForNextAsync(e => e.Id.Id == 2 && e.Message.Contains("has 2 endpoints", StringComparison.Ordinal));
        changed.Restart();
        await dns.RestartAsync(DnsZone.For(cluster[1], cluster[2]));
        await removed;
        var removedAfter = changed.Elapsed;
        await load.WaitForBatchStartedAfterAsync(); // every request sent before the change has completed
        cluster.ResetCounters();
        await cluster[1].WaitForRequestsAsync(50).WaitAsync(s_waitLimit);
        await cluster[2].WaitForRequestsAsync(50).WaitAsync(s_waitLimit);
        await cluster[0].StopAsync();
        await load.WaitForBatchStartedAfterAsync();
        await load.StopAsync();

        load.Failures.Should().Be(0);
        load.Successes.Should().BeGreaterThan(200);
        cluster[0].RequestsReceived.Should().Be(0, "it left the set before the counters were reset");
        addedAfter.Should().BeLessThan(TimeSpan.FromSeconds(10), "the records' TTL (1 s) drives the refresh, not MaxRefresh (60 s)");
        removedAfter.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    [SkippableFact]
    public async Task Srv_TargetOutsideAllowedHosts_LeftOutAndLogged()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        var zone = DnsZone.For(cluster[0]).Srv(Service, "elsewhere.hosts.test", cluster[1].Port).Host("elsewhere.hosts.test", "::1");
        await using var dns = await Dnsmasq.StartAsync(zone);
        var logs = new LogRecorder();
        await using var provider = DnsTestServices.Build(
            "dns-hosts",
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.EndpointSources.AllowedHosts = ["127.0.0.0/8"];
            },
            b => b.AddDnsSrvEndpoints(Service, o => o.NameServers.Add(dns.EndPoint)),
            logs);
        var client = provider.CreateClient("dns-hosts");

        var failures = await Load.GetAsync(client, "/", count: 40, concurrency: 1);

        failures.Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(40, "the SRV target on ::1 is not in 127.0.0.0/8");
        logs.Entries.Should().Contain(e => e.Id.Id == 22 && e.Message.Contains("'dns-hosts'", StringComparison.Ordinal)
            && e.Message.Contains($"address 'http://[::1]:{cluster[1].Port}/' has host '[::1]', which matches none of EndpointSources.AllowedHosts", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Srv_Weights3To1_ShapeRoundRobinShares()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        await using var dns = await Dnsmasq.StartAsync(DnsZone.For((cluster[0], 0, 3), (cluster[1], 0, 1)));
        await using var provider = DnsTestServices.Build("dns-weights", o => o.Selector = EndpointSelectorNames.RoundRobin, b => b.AddDnsSrvEndpoints(Service, o => o.NameServers.Add(dns.EndPoint)));
        var client = provider.CreateClient("dns-weights");

        var failures = await Load.GetAsync(client, "/", count: 400, concurrency: 4);

        failures.Should().Be(0);
        var shares = cluster.ReceivedShares();
        shares[cluster[0].Name].Should().BeInRange(0.70, 0.80, "SRV weights 3 and 1 become endpoint weights 100 and 33");
        shares[cluster[1].Name].Should().BeInRange(0.20, 0.30);
    }

    [SkippableFact]
    public async Task Srv_Priorities_LowestTierTakesAllTrafficWhileHealthy_NextTierWhenItFails()
    {
        await using var cluster = await BackendCluster.StartAsync(3);
        await using var dns = await Dnsmasq.StartAsync(DnsZone.For((cluster[0], 10, 1), (cluster[1], 20, 1), (cluster[2], 20, 5)));
        await using var provider = DnsTestServices.Build("dns-tiers", o => o.Selector = EndpointSelectorNames.RoundRobin, b => b.AddDnsSrvEndpoints(Service, o => o.NameServers.Add(dns.EndPoint)));
        var client = provider.CreateClient("dns-tiers");

        var failures = await Load.GetAsync(client, "/", count: 100, concurrency: 4);
        failures.Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(100, "priority 10 is the lowest tier and its endpoint is healthy");

        await cluster[0].StopAsync(); // refused connections: ejected after consecutive failures
        await Load.GetUntilAsync(client, "/", concurrency: 4, stop: () => cluster[1].RequestsReceived + cluster[2].RequestsReceived >= 120, maxCount: 2_000);

        cluster[1].RequestsReceived.Should().BeGreaterThan(0);
        cluster[2].RequestsReceived.Should().BeGreaterThan(cluster[1].RequestsReceived * 2, "within priority 20, weights 1 and 5 become 20 and 100");
    }

    [SkippableFact]
    public async Task Srv_DnsServerDown_LastGoodSetKept_ErrorLogged_RecordsFollowedAgainWhenBack()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        await using var dns = await Dnsmasq.StartAsync(DnsZone.For(cluster[0], cluster[1]));
        var logs = new LogRecorder();
        await using var provider = DnsTestServices.Build("dns-down", o => o.Selector = EndpointSelectorNames.RoundRobin, b => b.AddDnsSrvEndpoints(Service, o =>
        {
            o.NameServers.Add(dns.EndPoint);
            o.QueryTimeout = TimeSpan.FromMilliseconds(200);
            o.Retries = 0;
        }), logs);
        var client = provider.CreateClient("dns-down");
        (await Load.GetAsync(client, "/", count: 20, concurrency: 2)).Should().Be(0);

        var refreshFailed = logs.WaitForNextAsync(e => e.Id.Id == 20);
        await dns.StopAsync();
        var failure = await refreshFailed;
        cluster.ResetCounters();
        var failuresWhileDown = await Load.GetAsync(client, "/", count: 200, concurrency: 4);

        failure.Level.Should().Be(LogLevel.Warning);
        failure.Message.Should().Contain("dns-down").And.Contain($"dns-srv:{Service}").And.Contain("last good endpoints stay in use");
        failure.Exception.Should().NotBeNull();
        failure.Exception!.Message.Should().Contain(Service);
        failuresWhileDown.Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(100);
        cluster[1].RequestsReceived.Should().Be(100);

        var back = logs.WaitForNextAsync(e => e.Id.Id == 2 && e.Message.Contains("has 1 endpoints", StringComparison.Ordinal));
        await dns.RestartAsync(DnsZone.For(cluster[1]));
        await back;
        cluster.ResetCounters();
        (await Load.GetAsync(client, "/", count: 50, concurrency: 2)).Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(0, "the records changed while DNS was down and were followed once it came back");
    }

    [SkippableFact]
    public async Task Srv_NameDoesNotExist_FirstRequestFailsAtOnceNamingTheSourceAndTheAnswer()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone().Srv("_http._tcp.other.test", "a.hosts.test", 8080).Host("a.hosts.test", "127.0.0.1"));
        await using var provider = DnsTestServices.Build("dns-nx", o => o.EndpointSources.InitialTimeout = TimeSpan.FromMinutes(1), b => b.AddDnsSrvEndpoints(Service, o => o.NameServers.Add(dns.EndPoint)));
        var client = provider.CreateClient("dns-nx");

        var act = () => client.GetAsync("/").WaitAsync(s_waitLimit);

        var error = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        error.Reason.Should().Be(NoAvailableEndpointReason.NoEndpoints);
        error.Message.Should().Contain("dns-nx").And.Contain($"dns-srv:{Service}").And.Contain("NXDOMAIN");
    }

    [SkippableFact]
    public async Task Host_AddDnsEndpoints_RequestsReachTheHostsAddressOnThePort()
    {
        await using var cluster = await BackendCluster.StartAsync(1);
        await using var dns = await Dnsmasq.StartAsync(new DnsZone().Host("catalog.hosts.test", "127.0.0.1"));
        await using var provider = DnsTestServices.Build("dns-a", _ => { }, b => b.AddDnsEndpoints("catalog.hosts.test", cluster[0].Port, o => o.NameServers.Add(dns.EndPoint)));
        var client = provider.CreateClient("dns-a");

        var failures = await Load.GetAsync(client, "/", count: 20, concurrency: 2);

        failures.Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(20);
    }
}
