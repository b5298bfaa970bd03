using System.Net;
using Balancer.Client.Selection;
using Microsoft.Extensions.Configuration;

namespace Balancer.Client.IntegrationTests.Health;

public sealed class EndpointHealthTests
{
    [Fact]
    public async Task Get_EndpointAnswering503_EjectedAfterFiveConsecutiveFailures()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = i == 2 ? 1 : 0;
        });
        await using var provider = TestServices.Build("ejects", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient("ejects");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 60; i++)
        {
            using var response = await client.GetAsync("/eject");
            statuses.Add(response.StatusCode);
        }

        cluster[2].RequestsReceived.Should().Be(5, "the default outlier detection ejects after 5 consecutive failures");
        statuses.Count(s => s == HttpStatusCode.ServiceUnavailable).Should().Be(5);
        statuses.Skip(15).Should().OnlyContain(s => s == HttpStatusCode.OK);
    }

    [Fact]
    public async Task Get_503WithRetryAfter_EndpointGetsNoRequestDuringCooldown()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            if (i == 0)
            {
                o.Behavior.FailureRate = 1;
                o.Behavior.RetryAfter = TimeSpan.FromSeconds(60);
            }
        });
        await using var provider = TestServices.Build("cools-down", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
        });
        var client = provider.CreateClient("cools-down");

        var failures = new List<TimeSpan?>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await client.GetAsync("/cool");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                failures.Add(response.Headers.RetryAfter?.Delta);
            }
        }

        // Round robin reaches it within the first three requests; after its answer it cools down for 60 s.
        failures.Should().Equal(TimeSpan.FromSeconds(60));
        cluster[0].RequestsReceived.Should().Be(1);
    }

    [Fact]
    public async Task Reload_EndpointAdded_RampsUpWithSlowStart()
    {
        const string Name = "slow-start";
        const int Requests = 400;
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Balancer:Clients:{Name}:Selector"] = "RoundRobin",
            [$"Balancer:Clients:{Name}:Endpoints:0:Address"] = cluster[0].Address.ToString(),
            [$"Balancer:Clients:{Name}:Endpoints:1:Address"] = cluster[1].Address.ToString(),
            [$"Balancer:Clients:{Name}:Endpoints:2:Address"] = cluster[2].Address.ToString(),
        }).Build();
        var services = new ServiceCollection();
        services.AddBalancedHttpClient(Name, config.GetSection($"Balancer:Clients:{Name}"));
        await using var provider = services.BuildServiceProvider();
        var client = provider.CreateClient(Name);
        (await Load.GetAsync(client, "/before", 30, concurrency: 1)).Should().Be(0);

        config[$"Balancer:Clients:{Name}:Endpoints:3:Address"] = cluster[3].Address.ToString();
        config.Reload();
        cluster.ResetCounters();
        (await Load.GetAsync(client, "/after", Requests, concurrency: 1)).Should().Be(0);

        // Round robin alone would give it a quarter; at the start of its 30 s window it keeps about a tenth of that.
        var added = cluster.ReceivedShares()["backend-3"];
        added.Should().BeGreaterThan(0).And.BeLessThan(0.10, "shares: {0}", string.Join(", ", cluster.ReceivedShares()));
    }
}
