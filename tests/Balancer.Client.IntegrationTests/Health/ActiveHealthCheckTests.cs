using Balancer.Client.Endpoints;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.IntegrationTests.Health;

public sealed class ActiveHealthCheckTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_signalTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ActiveChecks_BackendFailingItsHealthCheck_GetsNoTrafficUntilHealthy_ProbesStopWithTheContainer()
    {
        const string Name = "active-checks";
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.HealthStatusCode = i == 2 ? 503 : 200;
        });
        var sick = cluster[2];
        var provider = TestServices.Build(Name, o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
            o.Health.ActiveChecks.Enabled = true;
            o.Health.ActiveChecks.Interval = s_interval;
        });
        try
        {
            var client = provider.CreateClient(Name);

            // A round of probes starts only after the previous one was recorded: the second probe of each backend
            // means the first results are in.
            await Task.WhenAll(cluster.Select(b => b.WaitForHealthChecksAsync(2))).WaitAsync(s_signalTimeout);
            (await Load.GetAsync(client, "/while-sick", 60, concurrency: 1)).Should().Be(0);
            sick.RequestsReceived.Should().Be(0, "an endpoint failing its health check gets no traffic");
            cluster[0].RequestsReceived.Should().Be(30);

            sick.Behavior.HealthStatusCode = 200;
            await sick.WaitForHealthChecksAsync(sick.HealthChecksReceived + 2).WaitAsync(s_signalTimeout);
            (await Load.GetAsync(client, "/healthy-again", 60, concurrency: 1)).Should().Be(0);
            sick.RequestsReceived.Should().Be(20, "healthy again: round robin gives it its third");
        }
        finally
        {
            await provider.DisposeAsync();
        }

        // A probe already written may still arrive just after disposal; after that, none for several intervals.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var probes = cluster.Select(b => b.HealthChecksReceived).ToList();
        await Task.Delay(5 * s_interval);
        cluster.Select(b => b.HealthChecksReceived).Should().Equal(probes, "disposing the container stops the probes");
    }

    [Fact]
    public async Task ActiveChecksOff_NoHealthRequestReachesAnyBackend()
    {
        const string Name = "no-active-checks";
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        await using var provider = TestServices.Build(Name, o =>
        {
            o.AddEndpoints(cluster);
            o.Health.ActiveChecks.Interval = s_interval; // set, but checks are off
        });
        var client = provider.CreateClient(Name);

        (await Load.GetAsync(client, "/traffic", 30, concurrency: 2)).Should().Be(0);
        await Task.Delay(5 * s_interval);

        cluster.Select(b => b.HealthChecksReceived).Should().OnlyContain(n => n == 0);
        cluster.TotalReceived.Should().Be(30);
    }

    [Fact]
    public async Task ActiveChecks_EndpointAddedByReloadAfterSeveralRounds_IsProbedAtOnce()
    {
        const string Name = "probe-on-reload";
        var interval = TimeSpan.FromSeconds(10);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Endpoints:0:Address"] = cluster[0].Address.ToString(),
            ["Endpoints:1:Address"] = cluster[1].Address.ToString(),
            ["Health:ActiveChecks:Enabled"] = "true",
            ["Health:ActiveChecks:Interval"] = interval.ToString(),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddBalancedHttpClient(Name, config);
        await using var provider = services.BuildServiceProvider();
        _ = provider.CreateClient(Name);

        // Several rounds on the (fake) interval: step the clock until each backend has seen a third probe.
        await Task.WhenAll(cluster.Take(2).Select(b => b.WaitForHealthChecksAsync(1))).WaitAsync(s_signalTimeout);
        var rounds = Task.WhenAll(cluster.Take(2).Select(b => b.WaitForHealthChecksAsync(3)));
        using (var limit = new CancellationTokenSource(s_signalTimeout))
        {
            while (!rounds.IsCompleted && !limit.IsCancellationRequested)
            {
                time.Advance(interval * 1.5);
                await Task.WhenAny(rounds, Task.Delay(50, limit.Token));
            }
        }

        rounds.IsCompleted.Should().BeTrue("every step of the clock past the interval starts a round of probes");

        // A reload adds an endpoint: it is probed at once, without waiting for the next interval.
        config["Endpoints:2:Address"] = cluster[2].Address.ToString();
        config.Reload();

        var probedAtOnce = cluster[2].WaitForHealthChecksAsync(1);
        (await Task.WhenAny(probedAtOnce, Task.Delay(TimeSpan.FromSeconds(5)))).Should().BeSameAs(probedAtOnce, "the clock did not move, so only the reload can have started this probe");
    }

    [Fact]
    public async Task ActiveChecks_BackendsRequiringAClientCertificate_ChecksUseThePrimaryHandler_EndpointsHealthyNoPanic()
    {
        const string Name = "active-checks-mtls";
        using var serverCertificate = MutualTlsBackend.CreateCertificate("127.0.0.1", server: true);
        using var clientCertificate = MutualTlsBackend.CreateCertificate("balancer-client", server: false);
        await using var first = await MutualTlsBackend.StartAsync(serverCertificate, clientCertificate);
        await using var second = await MutualTlsBackend.StartAsync(serverCertificate, clientCertificate);
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoint(first.Address.ToString());
                o.AddEndpoint(second.Address.ToString());
                o.Health.ActiveChecks.Enabled = true;
                o.Health.ActiveChecks.Interval = s_interval;
                o.Health.FailFastInPanic = true;
            },
            client => client.ConfigurePrimaryHttpMessageHandler(first.CreateClientHandler));
        var client = provider.CreateClient(Name);

        // The second check of each backend means the first results are in (rounds do not overlap).
        await Task.WhenAll(first.WaitForHealthChecksAsync(2), second.WaitForHealthChecksAsync(2)).WaitAsync(s_signalTimeout);
        var snapshot = provider.GetRequiredService<IBalancerInspector>().GetSnapshot(Name)!;
        snapshot.Panic.Should().BeFalse();
        snapshot.Endpoints.Should().OnlyContain(e => e.Health == EndpointHealthStatus.Healthy, "the checks presented the client certificate of the primary handler");

        (await Load.GetAsync(client, "/work", 20, concurrency: 1)).Should().Be(0, "no panic, so FailFastInPanic fails nothing");
        first.RequestsReceived.Should().Be(10);
        second.RequestsReceived.Should().Be(10);
        provider.GetRequiredService<IBalancerInspector>().GetSnapshot(Name)!.Endpoints.Sum(e => e.TotalRequests)
            .Should().Be(20, "health checks are not balanced or recorded as traffic");
    }

    [Fact]
    public async Task ActiveChecks_HealthCheckHandlerConfigured_ChecksUseItInsteadOfThePrimaryHandler()
    {
        const string Name = "active-checks-own-handler";
        using var serverCertificate = MutualTlsBackend.CreateCertificate("127.0.0.1", server: true);
        using var clientCertificate = MutualTlsBackend.CreateCertificate("balancer-checks", server: false);
        await using var backend = await MutualTlsBackend.StartAsync(serverCertificate, clientCertificate);
        var created = 0;
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.AddEndpoint(backend.Address.ToString());
                o.Health.ActiveChecks.Enabled = true;
                o.Health.ActiveChecks.Interval = s_interval;
            },
            client => client.ConfigureHealthCheckHandler(_ =>
            {
                Interlocked.Increment(ref created);
                return backend.CreateClientHandler();
            }));
        _ = provider.CreateClient(Name);

        // The primary handler has no client certificate: only the configured handler can pass the handshake.
        await backend.WaitForHealthChecksAsync(2).WaitAsync(s_signalTimeout);
        provider.GetRequiredService<IBalancerInspector>().GetSnapshot(Name)!.Endpoints.Single().Health.Should().Be(EndpointHealthStatus.Healthy);
        created.Should().Be(1, "one handler serves every round within the handler lifetime");
    }

    [Fact]
    public async Task ActiveChecks_EndpointAddedBySource_IsProbedAtOnce()
    {
        const string Name = "probe-on-source";
        var interval = TimeSpan.FromSeconds(10);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var source = new ManualEndpointSource();
        source.SetAddresses(cluster[0].Address.ToString(), cluster[1].Address.ToString());
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Health.ActiveChecks.Enabled = true;
                o.Health.ActiveChecks.Interval = interval;
            },
            client => client.AddEndpointSource(_ => source),
            services => services.AddSingleton<TimeProvider>(time));
        _ = provider.CreateClient(Name);
        await Task.WhenAll(cluster.Take(2).Select(b => b.WaitForHealthChecksAsync(1))).WaitAsync(s_signalTimeout);

        source.SetAddresses(cluster[0].Address.ToString(), cluster[1].Address.ToString(), cluster[2].Address.ToString());

        var probedAtOnce = cluster[2].WaitForHealthChecksAsync(1);
        (await Task.WhenAny(probedAtOnce, Task.Delay(TimeSpan.FromSeconds(5)))).Should().BeSameAs(probedAtOnce, "the clock did not move, so only the new endpoint can have started this probe");
        cluster.Take(2).Should().OnlyContain(b => b.HealthChecksReceived == 1, "the endpoints already checked wait for their interval");
    }
}
