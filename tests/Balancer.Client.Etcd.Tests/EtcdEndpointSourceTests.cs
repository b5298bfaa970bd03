using System.Diagnostics;
using Xunit.Abstractions;

namespace Balancer.Client.Etcd.Tests;

[Collection(EtcdTestGroup.Name)]
public sealed class EtcdEndpointSourceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_waitLimit = EtcdClients.WaitLimit;

    [SkippableFact]
    public async Task Registrations_UnderLoad_FollowedWithinOneSecondWithoutFailures()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        const string prefix = "/services/follow/";
        var first = await EtcdClients.RegisterAsync(etcd, prefix, cluster[0]);
        await using var second = await EtcdClients.RegisterAsync(etcd, prefix, cluster[1]);
        await using var provider = EtcdClients.Build("follow", prefix, [etcd.ClientUrl]);
        await using var load = new BatchLoad(provider.CreateClient("follow"));
        await cluster[1].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);

        var joinedAt = Stopwatch.GetTimestamp();
        await using var third = await EtcdClients.RegisterAsync(etcd, prefix, cluster[2]);
        await cluster[2].WaitForRequestsAsync(1).WaitAsync(s_waitLimit);
        var joinLag = EtcdClients.FirstSentAfter(cluster[2], joinedAt);

        var leftAt = Stopwatch.GetTimestamp();
        await first.DisposeAsync(); // revokes the lease: the key goes at once
        await load.RunUntilAsync(leftAt, TimeSpan.FromSeconds(1.5));
        var leaveLag = EtcdClients.LastSentAfter(cluster[0], leftAt);
        cluster[0].ResetCounters();
        await cluster[0].StopAsync(); // gone from the set: stopping it costs nothing
        await load.WaitForBatchStartedAfterAsync();
        await load.WaitForBatchStartedAfterAsync();
        await load.StopAsync();
        output.WriteLine($"registration → first request sent to it: {joinLag.TotalMilliseconds:F0} ms; deregistration → last request sent to it: {leaveLag.TotalMilliseconds:F0} ms; {load.Successes} requests, {load.Failures} failed");

        joinLag.Should().BeLessThan(TimeSpan.FromSeconds(1));
        leaveLag.Should().BeLessThan(TimeSpan.FromSeconds(1));
        load.Failures.Should().Be(0);
        cluster[0].RequestsReceived.Should().Be(0);
        cluster[2].RequestsReceived.Should().BeGreaterThan(0);
        cluster[3].RequestsReceived.Should().Be(0, "it never registered");
    }

    [SkippableFact]
    public async Task InvalidValues_LeftOutAndLogged_FixedValueJoins()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(3);
        const string prefix = "/services/invalid/";
        await etcd.PutAsync(prefix + "a", $$"""{"address":"{{cluster[0].Address}}","weight":1,"zone":"eu-1a"}""");
        await etcd.PutAsync(prefix + "b", "{not json");
        await etcd.PutAsync(prefix + "c", $$"""{"address":"{{cluster[1].Address}}","weight":1000}""");
        await etcd.PutAsync(prefix + "d", $"127.0.0.1:{cluster[2].Port}"); // a plain host:port, as other tools write
        await etcd.PutAsync("/services/invalid-v2/e", $"{cluster[1].Address}"); // another service's key: not under the prefix
        await using var provider = EtcdClients.Build("invalid", prefix, [etcd.ClientUrl]);
        var client = provider.CreateClient("invalid");

        for (var i = 0; i < 40; i++)
        {
            (await client.GetAsync("/")).EnsureSuccessStatusCode();
        }

        cluster[0].RequestsReceived.Should().Be(20);
        cluster[1].RequestsReceived.Should().Be(0);
        cluster[2].RequestsReceived.Should().Be(20);
        var logged = provider.Logs(100).Select(r => r.Message).ToList();
        logged.Should().HaveCount(2);
        logged.Should().Contain(m => m.Contains("'invalid'", StringComparison.Ordinal) && m.Contains("etcd key '/services/invalid/b' has value '{not json'", StringComparison.Ordinal) && m.Contains("is not valid JSON", StringComparison.Ordinal));
        logged.Should().Contain(m => m.Contains("etcd key '/services/invalid/c'", StringComparison.Ordinal) && m.Contains("'weight' 1000; allowed from 1 to 100", StringComparison.Ordinal));

        await etcd.PutAsync(prefix + "c", $$"""{"address":"{{cluster[1].Address}}","weight":2}""");
        await using var load = new BatchLoad(client);
        (await load.RunUntilAsync(() => cluster[1].RequestsReceived > 0, s_waitLimit)).Should().BeTrue("the corrected value is a valid instance");
        await load.StopAsync();
        load.Failures.Should().Be(0);
    }

    [SkippableFact]
    public async Task EtcdOutage_LastGoodSetKept_WatchResumesWhenEtcdIsBack()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        const string prefix = "/services/outage/";
        var first = await EtcdClients.RegisterAsync(etcd, prefix, cluster[0]);
        await using var second = await EtcdClients.RegisterAsync(etcd, prefix, cluster[1]);
        await using var provider = EtcdClients.Build("outage", prefix, [etcd.ClientUrl]);
        await using var load = new BatchLoad(provider.CreateClient("outage"));
        await cluster[1].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);
        var errorsBefore = provider.Logs(20).Count;

        await etcd.StopAsync();
        cluster.ResetCounters();
        var noticed = await load.RunUntilAsync(
            () => provider.Logs(20).Count >= errorsBefore + 3 && cluster[0].RequestsReceived >= 50 && cluster[1].RequestsReceived >= 50,
            s_waitLimit);

        noticed.Should().BeTrue("the source reports each failed attempt while traffic goes on to the last good set");
        provider.Logs(20)[^1].Message.Should().Contain("etcd:/services/outage/");
        load.Failures.Should().Be(0);

        await etcd.RestartAsync(); // same data directory, same ports
        await using var third = await EtcdClients.RegisterAsync(etcd, prefix, cluster[2]);
        await cluster[2].WaitForRequestsAsync(1).WaitAsync(s_waitLimit);
        var leftAt = Stopwatch.GetTimestamp();
        await first.DisposeAsync();
        await load.RunUntilAsync(leftAt, TimeSpan.FromSeconds(1.5));
        var leaveLag = EtcdClients.LastSentAfter(cluster[0], leftAt);
        await load.StopAsync();

        leaveLag.Should().BeLessThan(TimeSpan.FromSeconds(1), "the watch follows the prefix again");
        load.Failures.Should().Be(0);
    }

    [SkippableFact]
    public async Task WatchBehindACompaction_ReadsThePrefixAgain()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        const string prefix = "/services/compacted/";
        var partition = new CuttableHandler();
        await etcd.PutAsync(prefix + "a", cluster[0].Address.ToString());
        await using var provider = EtcdClients.Build("compacted", prefix, [etcd.ClientUrl], services =>
            services.AddHttpClient(EtcdEndpointSourceOptions.HttpClientName).AddHttpMessageHandler(() => partition));
        await using var load = new BatchLoad(provider.CreateClient("compacted"));
        await cluster[0].WaitForRequestsAsync(20).WaitAsync(s_waitLimit);

        partition.Cut(); // the source's watch breaks and its reconnections fail
        await etcd.PutAsync(prefix + "b", cluster[1].Address.ToString());
        await etcd.Gateway.DeleteRangeAsync(Internal.EtcdKeys.Encode(prefix + "a"), null, CancellationToken.None);
        var last = await etcd.Gateway.DeleteRangeAsync(Internal.EtcdKeys.Encode(prefix + "missing"), null, CancellationToken.None);
        await etcd.Gateway.CompactAsync(last.Header!.Revision, CancellationToken.None);
        await load.RunUntilAsync(() => provider.Logs(20).Count >= 2, s_waitLimit);
        cluster[1].RequestsReceived.Should().Be(0, "the source cannot see etcd");

        partition.Heal();
        await cluster[1].WaitForRequestsAsync(1).WaitAsync(s_waitLimit);
        await load.WaitForBatchStartedAfterAsync();
        cluster.ResetCounters();
        await load.WaitForBatchStartedAfterAsync();
        await load.StopAsync();

        provider.Logs(101).Should().ContainSingle().Which.Message.Should().Contain("fell behind a compaction");
        cluster[0].RequestsReceived.Should().Be(0, "its key was deleted while the source could not watch");
        cluster[1].RequestsReceived.Should().BeGreaterThan(0);
        load.Failures.Should().Be(0);
    }

    [SkippableFact]
    public async Task FirstMemberDown_NextMemberServes()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(1);
        const string prefix = "/services/failover/";
        await using var registration = await EtcdClients.RegisterAsync(etcd, prefix, cluster[0]);
        var down = new Uri($"http://127.0.0.1:{EtcdOptionsTests.ClosedPort()}");
        await using var provider = EtcdClients.Build("failover", prefix, [down, etcd.ClientUrl]);

        var response = await provider.CreateClient("failover").GetAsync("/").WaitAsync(s_waitLimit);

        response.EnsureSuccessStatusCode();
        cluster[0].RequestsReceived.Should().Be(1);
    }
}
