using Balancer.Client.Endpoints;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.IntegrationTests.Endpoints;

/// <summary>Endpoints that come and go: DNS round robin, flapping answers, pods replaced.</summary>
public sealed class EndpointChurnTests
{
    [Fact]
    public async Task Source_SameEndpointsInAnotherOrder_IsNoChangeAndLogsNothing()
    {
        const string Name = "churn-reordered";
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var source = new ManualEndpointSource();
        var addresses = cluster.Select(b => b.Address.ToString()).ToArray();
        source.SetAddresses(addresses);
        await using var provider = TestServices.Build(
            Name,
            o => o.Selector = EndpointSelectorNames.RoundRobin,
            b => b.AddEndpointSource(_ => source),
            services => services.AddLogging(l => l.AddFakeLogging()));
        var client = provider.CreateClient(Name);
        (await Load.GetAsync(client, "/before", 3, concurrency: 1)).Should().Be(0);
        var inspector = provider.GetRequiredService<IBalancerInspector>();
        var version = inspector.GetSnapshot(Name)!.EndpointSetVersion;
        var logs = provider.GetFakeLogCollector();
        logs.Clear();

        // DNS round robin: the same answer, rotated, twice.
        source.SetAddresses(addresses[1], addresses[2], addresses[0]);
        source.SetAddresses(addresses[2], addresses[0], addresses[1]);

        inspector.GetSnapshot(Name)!.EndpointSetVersion.Should().Be(version, "the set did not change");
        logs.GetSnapshot().Where(r => r.Level >= LogLevel.Information).Should().BeEmpty("a reordered answer is not a change");

        // A real change still is one.
        source.SetAddresses(addresses[0], addresses[1]);
        inspector.GetSnapshot(Name)!.EndpointSetVersion.Should().Be(version + 1);
        logs.GetSnapshot().Should().ContainSingle(r => r.Level == LogLevel.Information && r.Message.Contains("1 removed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Source_EjectedEndpointLeavesAndComesBackSoon_StaysEjected_AfterTheWindowComesBackNew()
    {
        const string Name = "churn-flapping";
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = i == 2 ? 1 : 0;
        });
        var sick = cluster[2];
        var all = cluster.Select(b => b.Address.ToString()).ToArray();
        var source = new ManualEndpointSource();
        source.SetAddresses(all);
        await using var provider = TestServices.Build(
            Name,
            o => o.Selector = EndpointSelectorNames.RoundRobin,
            b => b.AddEndpointSource(_ => source),
            services => services.AddSingleton<TimeProvider>(time));
        var client = provider.CreateClient(Name);
        var inspector = provider.GetRequiredService<IBalancerInspector>();
        EndpointSnapshot Sick() => inspector.GetSnapshot(Name)!.Endpoints.Single(e => e.Address.Port == sick.Port);

        // Five failures in a row eject the sick endpoint (the clock stands still, so the ejection lasts).
        (await Load.GetAsync(client, "/eject", 15, concurrency: 1)).Should().Be(5);
        Sick().Health.Should().Be(EndpointHealthStatus.Ejected);

        // It drops out of the answer and comes back at once (DNS flapping): still ejected, no traffic.
        source.SetAddresses(all[0], all[1]);
        source.SetAddresses(all);
        Sick().Health.Should().Be(EndpointHealthStatus.Ejected, "an endpoint that comes back within the window comes back with its health");
        Sick().EjectionCount.Should().Be(1);
        (await Load.GetAsync(client, "/after-flap", 20, concurrency: 1)).Should().Be(0);
        sick.RequestsReceived.Should().Be(5, "a flapping endpoint is not let in again");

        // Gone for longer than its ejection and the window: its state expired, it comes back new.
        source.SetAddresses(all[0], all[1]);
        time.Advance(TimeSpan.FromSeconds(31));
        source.SetAddresses(all[0]);
        source.SetAddresses(all);
        Sick().Health.Should().NotBe(EndpointHealthStatus.Ejected);
        Sick().EjectionCount.Should().Be(0);
        Sick().TotalRequests.Should().Be(0, "its old statistics were dropped");
    }
}
