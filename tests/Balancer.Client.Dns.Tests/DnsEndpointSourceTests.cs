using DnsClient;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Dns.Tests;

/// <summary>The source on its own against a real dnsmasq, with the refresh timers on fake time: what it publishes and when it looks up again.</summary>
public sealed class DnsEndpointSourceTests
{
    private const string Service = DnsZone.ServiceName;

    [SkippableFact]
    public async Task Srv_TargetsInTheAdditionalSection_PublishedWithScaledWeightsPrioritiesAndMetadata()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone()
            .Srv(Service, "a.hosts.test", 8080, priority: 0, weight: 30).Host("a.hosts.test", "127.0.0.1")
            .Srv(Service, "b.hosts.test", 8081, priority: 0, weight: 10).Host("b.hosts.test", "127.0.0.1")
            .Srv(Service, "c.hosts.test", 8082, priority: 1, weight: 0).Host("c.hosts.test", "127.0.0.1", "::1"));
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns), out var publisher, out _);

        var published = (await publisher.NextAsync()).Published;

        published.Select(e => (e.Address, e.Weight, e.Priority)).Should().BeEquivalentTo(
            [("http://127.0.0.1:8080/", 100, 0), ("http://127.0.0.1:8081/", 33, 0), ("http://127.0.0.1:8082/", 1, 1)]);
        published.Single(e => e.Weight == 33).Metadata.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            [DnsEndpointMetadata.HostName] = "b.hosts.test",
            [DnsEndpointMetadata.SrvWeight] = "10",
            [DnsEndpointMetadata.SrvPriority] = "0",
        });
    }

    [SkippableFact]
    public async Task Srv_TargetsMissingFromTheAdditionalSection_LookedUp_TargetsWithoutAddressLeftOutWithAWarning()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone()
            .Srv(Service, "queried.hosts.test", 8080).Address("queried.hosts.test", "127.0.0.1")
            .Srv(Service, "alias.hosts.test", 8081).Cname("alias.hosts.test", "real.hosts.test").Host("real.hosts.test", "127.0.0.1")
            .Srv(Service, "missing.hosts.test", 8082));
        var logs = new LogRecorder();
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns), out var publisher, out _, logs);

        var published = (await publisher.NextAsync()).Published;

        published.Select(e => e.Address).Should().BeEquivalentTo(["http://127.0.0.1:8080/", "http://127.0.0.1:8081/"]);
        var warning = await logs.WaitForAsync(e => e.Id.Id == 43);
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain("dns-test").And.Contain($"dns-srv:{Service}").And.Contain("missing.hosts.test");
    }

    [SkippableFact]
    public async Task Srv_PreferIPv6AndHttps_AaaaAddressesFirst_OtherFamilyWhenNone()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone()
            .Srv(Service, "dual.hosts.test", 8443).Host("dual.hosts.test", "127.0.0.1", "::1")
            .Srv(Service, "v4.hosts.test", 9443).Address("v4.hosts.test", "127.0.0.1"));
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns, o =>
        {
            o.PreferIPv6 = true;
            o.Scheme = "https";
        }), out var publisher, out _);

        var published = (await publisher.NextAsync()).Published;

        published.Select(e => e.Address).Should().BeEquivalentTo(["https://[::1]:8443/", "https://127.0.0.1:9443/"]);
    }

    [SkippableFact]
    public async Task Srv_UseTargetHostNames_EndpointsAddressedByTargetName()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone()
            .Srv(Service, "a.hosts.test", 8080, priority: 2, weight: 5).Host("a.hosts.test", "127.0.0.1")
            .Srv(Service, "unresolvable.hosts.test", 8081, priority: 2, weight: 5));
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns, o => o.UseTargetHostNames = true), out var publisher, out _);

        var published = (await publisher.NextAsync()).Published;

        published.Select(e => (e.Address, e.Weight, e.Priority)).Should().BeEquivalentTo(
            [("http://a.hosts.test:8080/", 100, 2), ("http://unresolvable.hosts.test:8081/", 100, 2)],
            "the names are left to the HTTP stack to resolve");
    }

    [SkippableFact]
    public async Task Host_PublishesItsAddressesOnThePort()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone().Host("catalog.hosts.test", "127.0.0.1", "::1"));
        await using var v4 = Start(DnsEndpointQuery.Host("catalog.hosts.test", 9000), Options(dns), out var publisher4, out _);
        await using var v6 = Start(DnsEndpointQuery.Host("catalog.hosts.test", 9000), Options(dns, o => o.PreferIPv6 = true), out var publisher6, out _);

        var published4 = (await publisher4.NextAsync()).Published;
        var published6 = (await publisher6.NextAsync()).Published;

        published4.Select(e => (e.Address, e.Weight, e.Priority)).Should().Equal(("http://127.0.0.1:9000/", 1, 0));
        published6.Select(e => e.Address).Should().Equal("http://[::1]:9000/");
    }

    [SkippableTheory]
    [InlineData(5, 1, 60, 5)]
    [InlineData(30, 1, 10, 10)]
    [InlineData(0, 2, 60, 2)]
    public async Task Srv_NextLookupWhenTheTtlExpires_WithinMinAndMaxRefresh(int ttl, int minRefresh, int maxRefresh, int expected)
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        await using var dns = await Dnsmasq.StartAsync(DnsZone.For(cluster[0]), ttlSeconds: ttl);
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns, o =>
        {
            o.MinRefresh = TimeSpan.FromSeconds(minRefresh);
            o.MaxRefresh = TimeSpan.FromSeconds(maxRefresh);
        }), out var publisher, out var time);
        (await publisher.NextAsync()).Published.Should().ContainSingle();

        var delay = await time.NextTimerAsync();
        await dns.RestartAsync(DnsZone.For(cluster[0], cluster[1]));
        time.Fake.Advance(delay);

        delay.Should().Be(TimeSpan.FromSeconds(expected));
        (await publisher.NextAsync()).Published.Should().HaveCount(2, "the source looked up again when the delay passed");
    }

    [SkippableFact]
    public async Task Srv_NameDoesNotExist_ReportsNxDomainNamingTheName_AndBacksOff()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone().Srv("_http._tcp.other.test", "a.hosts.test", 8080));
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns), out var publisher, out var time);

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var error = (await publisher.NextAsync()).Error;
            error.Should().BeOfType<DnsResponseException>().Which.Code.Should().Be(DnsResponseCode.NotExistentDomain);
            error!.Message.Should().Be($"DNS SRV lookup of '{Service}' failed: NXDOMAIN (the name does not exist) from {dns.EndPoint}.");
            delays.Add(await time.NextTimerAsync());
            time.Fake.Advance(delays[^1]);
        }

        delays.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
    }

    [SkippableFact]
    public async Task Srv_NameWithoutSrvRecords_PublishesAnEmptySet()
    {
        await using var dns = await Dnsmasq.StartAsync(new DnsZone().Txt(Service, "no SRV here"));
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns), out var publisher, out var time);

        (await publisher.NextAsync()).Published.Should().BeEmpty("the client, not the source, decides to keep the last good set");
        (await time.NextTimerAsync()).Should().Be(TimeSpan.FromSeconds(1));
    }

    [SkippableFact]
    public async Task Srv_ServerStopsAndComesBack_FailureReportedThenRecordsPublishedAgain()
    {
        await using var cluster = await BackendCluster.StartAsync(2);
        await using var dns = await Dnsmasq.StartAsync(DnsZone.For(cluster[0]));
        await using var run = Start(DnsEndpointQuery.Srv(Service), Options(dns, o =>
        {
            o.QueryTimeout = TimeSpan.FromMilliseconds(200);
            o.Retries = 0;
        }), out var publisher, out var time);
        (await publisher.NextAsync()).Published.Should().ContainSingle();

        await dns.StopAsync();
        time.Fake.Advance(await time.NextTimerAsync());
        var failure = await publisher.NextAsync();
        await dns.RestartAsync(DnsZone.For(cluster[0], cluster[1]));
        time.Fake.Advance(await time.NextTimerAsync());
        var recovered = await publisher.NextAsync();

        failure.Error.Should().BeOfType<DnsResponseException>().Which.Message.Should().Contain(Service);
        recovered.Published.Should().HaveCount(2);
    }

    private static DnsEndpointOptions Options(Dnsmasq dns, Action<DnsEndpointOptions>? configure = null)
    {
        var options = new DnsEndpointOptions { QueryTimeout = TimeSpan.FromSeconds(1), Retries = 1 };
        options.NameServers.Add(dns.EndPoint);
        configure?.Invoke(options);
        return options;
    }

    private static SourceRun Start(DnsEndpointQuery query, DnsEndpointOptions options, out RecordingPublisher publisher, out TimerRecordingTimeProvider time, LogRecorder? logs = null)
    {
        time = new TimerRecordingTimeProvider();
        publisher = new RecordingPublisher(time);
        var logger = logs is null
            ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
            : LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)).CreateLogger(DnsLog.Category);
        return new SourceRun(new DnsEndpointSource(query, options, logger), publisher);
    }
}
