using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Balancer.Client.Etcd.Tests;

[Collection(EtcdTestGroup.Name)]
public sealed class EtcdRegistrationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_waitLimit = EtcdClients.WaitLimit;

    [SkippableFact]
    public async Task RegisterAsync_WritesTheValueUnderTheLease_DisposeRemovesIt()
    {
        await using var etcd = await EtcdServer.StartAsync();
        var registration = await EtcdRegistration.RegisterAsync(
            new EtcdClientOptions { Endpoints = [etcd.ClientUrl] },
            "/services/catalog/",
            new EtcdInstance { Address = "http://127.0.0.1:5001", Weight = 3, Zone = "eu-1b", Metadata = { ["version"] = "1.4.2" } },
            TimeSpan.FromSeconds(10));

        registration.Key.Should().Be("/services/catalog/127.0.0.1:5001");
        registration.Ttl.Should().Be(TimeSpan.FromSeconds(10));
        var stored = await etcd.Gateway.RangeAsync(Internal.EtcdKeys.Encode(registration.Key), [], CancellationToken.None);
        var kv = stored.Kvs.Should().ContainSingle().Subject;
        kv.Lease.Should().Be(registration.LeaseId);
        using (var value = JsonDocument.Parse(kv.Value))
        {
            value.RootElement.GetProperty("address").GetString().Should().Be("http://127.0.0.1:5001");
            value.RootElement.GetProperty("weight").GetInt32().Should().Be(3);
            value.RootElement.GetProperty("zone").GetString().Should().Be("eu-1b");
            value.RootElement.GetProperty("metadata").GetProperty("version").GetString().Should().Be("1.4.2");
        }

        await registration.DisposeAsync();

        (await etcd.ExistsAsync(registration.Key)).Should().BeFalse("disposing revokes the lease, which deletes the key");
    }

    [SkippableFact]
    public async Task CrashedRegistrant_KeptAliveWhileRunning_GoneWhenItsLeaseExpires()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
        const string prefix = "/services/crash/";
        var ttl = TimeSpan.FromSeconds(2);
        await using var survivor = await EtcdClients.RegisterAsync(etcd, prefix, cluster[0]);
        var network = new CuttableHandler(new SocketsHttpHandler());
        using var http = new HttpClient(network) { BaseAddress = etcd.ClientUrl };
        var registeredAt = Stopwatch.GetTimestamp();
        var crashing = await EtcdRegistration.RegisterAsync(http, prefix, new EtcdInstance { Address = cluster[1].Address.ToString() }, ttl);
        await using var provider = EtcdClients.Build("crash", prefix, [etcd.ClientUrl]);
        await using var load = new BatchLoad(provider.CreateClient("crash"));

        await load.RunUntilAsync(registeredAt, ttl * 2);
        (await etcd.ExistsAsync(crashing.Key)).Should().BeTrue("the lease is renewed every third of its TTL");
        crashing.LastError.Should().BeNull();
        EtcdClients.LastSentAfter(cluster[1], registeredAt).Should().BeGreaterThan(ttl * 1.5);

        network.Cut(); // the instance can no longer reach etcd, as if it crashed
        var crashedAt = Stopwatch.GetTimestamp();
        await crashing.DisposeAsync(); // its revoke fails too: only the lease's expiry removes the key
        (await etcd.ExistsAsync(crashing.Key)).Should().BeTrue("nothing removed the key yet");
        await load.RunUntilAsync(crashedAt, ttl + TimeSpan.FromSeconds(3));
        var goneAfter = EtcdClients.LastSentAfter(cluster[1], crashedAt);
        await load.StopAsync();
        output.WriteLine($"TTL {ttl.TotalSeconds} s: last request sent to the crashed instance {goneAfter.TotalMilliseconds:F0} ms after the crash; {load.Successes} requests, {load.Failures} failed");

        (await etcd.ExistsAsync(crashing.Key)).Should().BeFalse("the lease expired");
        goneAfter.Should().BeGreaterThan(TimeSpan.FromMilliseconds(500), "the lease lives on for up to its TTL after the last renewal");
        goneAfter.Should().BeLessThan(ttl + TimeSpan.FromSeconds(2.5), "etcd checks for expired leases every half second; the watch then tells the client at once");
        load.Failures.Should().Be(0);
    }

    [SkippableFact]
    public async Task LeaseLost_RegistrationGrantsANewOneAndWritesTheKeyAgain()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await using var registration = await EtcdRegistration.RegisterAsync(
            new EtcdClientOptions { Endpoints = [etcd.ClientUrl] },
            "/services/lost/",
            new EtcdInstance { Address = "http://127.0.0.1:5002", Id = "instance-1" },
            TimeSpan.FromSeconds(3));
        var lost = registration.LeaseId;

        await etcd.Gateway.RevokeAsync(lost, CancellationToken.None); // as when the lease expired during a long partition
        (await etcd.ExistsAsync("/services/lost/instance-1")).Should().BeFalse();

        var deadline = Stopwatch.GetTimestamp();
        while (registration.LeaseId == lost && Stopwatch.GetElapsedTime(deadline) < s_waitLimit)
        {
            await Task.Delay(50); // no signal for the renewal: poll, bounded
        }

        registration.LeaseId.Should().NotBe(lost);
        (await etcd.ExistsAsync("/services/lost/instance-1")).Should().BeTrue();
    }
}
