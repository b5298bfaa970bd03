using System.Collections.Concurrent;
using Balancer.Client.Resilience;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Resilience;

/// <summary>
/// The copies of one hedged request: each goes to an endpoint no earlier copy took while any remains, whatever the
/// selector, and each starts from the request as the caller sent it, not from what an earlier copy's attempt changed.
/// </summary>
public sealed class HedgedCopiesTests
{
    [Fact]
    public async Task Get_TwoHedgesOverThreeSlowEndpoints_RandomSelector_EveryCopyOnADistinctEndpoint()
    {
        const string Name = "hedge-distinct";
        const int Requests = 20;
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(400);
        });
        var observer = new RecordingObserver();
        var stamps = new ConcurrentQueue<int>();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                // Random picks the same endpoint for two hedges half of the time unless each sees the other's pick.
                o.Selector = EndpointSelectorNames.Random;
                o.RandomSeed = 7;
                o.AddEndpoints(cluster);
            },
            client: b => b
                .AddFeedbackObserver(_ => observer)
                .AddBalancerHedging(o =>
                {
                    o.MaxHedgedAttempts = 2;
                    o.Delay = TimeSpan.FromMilliseconds(20);
                })
                .AddHttpMessageHandler(() => new StampHandler(stamps)),
            services: s => s.Configure<BalancerRetryOptions>(Name, o => o.BudgetRatio = 1));
        var client = provider.CreateClient(Name);

        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/distinct");
            request.Options.Set(RecordingObserver.RequestId, id);
            using var response = await client.SendAsync(request, token);
            response.IsSuccessStatusCode.Should().BeTrue();
        });

        var byRequest = observer.Attempts.GroupBy(a => a.RequestId).ToDictionary(g => g.Key, g => g.ToList());
        byRequest.Should().HaveCount(Requests);
        byRequest.Values.Should().Contain(attempts => attempts.Count == 3, "hedges go out after 20 ms while every backend takes 400 ms");
        foreach (var (id, attempts) in byRequest)
        {
            var ports = attempts.Select(a => a.Endpoint.Address.Port).ToList();
            ports.Should().OnlyHaveUniqueItems("request {0}'s copies each take an endpoint no other copy took", id);
            attempts.Select(a => a.Number).Should().OnlyHaveUniqueItems("each copy is a further attempt of request {0}", id);
        }

        // A handler below hedging stamps each attempt; a copy must not start with an earlier attempt's stamp.
        stamps.Should().HaveCountGreaterThan(Requests);
        stamps.Should().OnlyContain(count => count == 0, "every copy starts from the request as sent, without the first attempt's header");
    }

    [Fact]
    public async Task Get_CopyFindsNoEndpointLeft_RequestNotFailedWhileOtherAttemptsAreInFlight()
    {
        const string Name = "hedge-none-left";
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = TimeSpan.FromSeconds(1);
        });
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.ReuseTriedEndpoints = false;
                o.AddEndpoints(cluster);
            },
            client: b => b.AddBalancerHedging(o =>
            {
                o.MaxHedgedAttempts = 3;
                o.Delay = TimeSpan.FromMilliseconds(100);
            }));
        var client = provider.CreateClient(Name);

        // The first attempt and one copy take both endpoints; the next copy finds none left. That copy's
        // NoAvailableEndpointException must not end the request and cancel the two attempts still running.
        using var response = await client.GetAsync("/none-left");

        response.IsSuccessStatusCode.Should().BeTrue();
        cluster.ReceivedCounts().Values.Should().Equal(1, 1);
    }

    /// <summary>Adds a header to each attempt it sees, and records how many values of it the attempt already had.</summary>
    private sealed class StampHandler(ConcurrentQueue<int> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Enqueue(request.Headers.TryGetValues("X-Attempt-Stamp", out var values) ? values.Count() : 0);
            request.Headers.Add("X-Attempt-Stamp", Guid.NewGuid().ToString("N"));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
