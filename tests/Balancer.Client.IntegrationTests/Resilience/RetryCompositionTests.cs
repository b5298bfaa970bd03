using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Balancer.Client.IntegrationTests.Resilience;

public sealed class RetryCompositionTests
{
    [Fact]
    public async Task Send_AllEndpointsFailAndReuseOff_ThrowsNoAvailableEndpointAllTried()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.FailureRate = 1);
        await using var provider = TestServices.Build(
            "all-tried",
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.ReuseTriedEndpoints = false;
                o.AddEndpoints(cluster);
            },
            client: b => b.AddResilienceHandler("retry", pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 4,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
            })));

        var act = () => provider.CreateClient("all-tried").GetAsync("/fails");

        var exception = (await act.Should().ThrowAsync<NoAvailableEndpointException>()).Which;
        exception.Reason.Should().Be(NoAvailableEndpointReason.AllTried);
        exception.ClientName.Should().Be("all-tried");
        exception.Message.Should().Contain("'all-tried'").And.Contain("already tried");
        cluster.ReceivedCounts().Values.Should().Equal(1, 1, 1);
    }

    [Fact]
    public async Task Get_OneEndpointRefusesConnections_StandardResilienceRetriesOnAnotherEndpoint()
    {
        const int Requests = 30;
        await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var closedPort = ClosedPort.Get();
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            "retry-elsewhere",
            o =>
            {
                // Round robin sends every third first attempt to the closed port, so retries are certain to happen.
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoint(cluster[0].Address.ToString());
                o.AddEndpoint($"http://127.0.0.1:{closedPort}/");
                o.AddEndpoint(cluster[1].Address.ToString());
            },
            client: b => b
                .AddFeedbackObserver(_ => observer)
                .AddStandardResilienceHandler(r =>
                {
                    r.Retry.Delay = TimeSpan.Zero;
                    r.Retry.BackoffType = DelayBackoffType.Constant;
                    r.Retry.UseJitter = false;
                }));
        var client = provider.CreateClient("retry-elsewhere");

        for (var id = 0; id < Requests; id++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/retry");
            request.Options.Set(RecordingObserver.RequestId, id);
            using var response = await client.SendAsync(request);
            response.IsSuccessStatusCode.Should().BeTrue();
        }

        var byRequest = observer.Attempts.GroupBy(a => a.RequestId).ToDictionary(g => g.Key, g => g.OrderBy(a => a.Number).ToList());
        byRequest.Should().HaveCount(Requests);
        var retried = byRequest.Values.Where(attempts => attempts.Count > 1).ToList();
        retried.Should().NotBeEmpty();
        foreach (var attempts in retried)
        {
            attempts[0].Outcome.Should().Be(AttemptOutcome.Failure);
            attempts[0].Endpoint.Address.Port.Should().Be(closedPort);
            attempts[1].Endpoint.Address.Port.Should().NotBe(closedPort, "the retry re-picks among the endpoints not tried yet");
            attempts[^1].Outcome.Should().Be(AttemptOutcome.Success);
        }

        observer.Attempts.Count(a => a.Endpoint.Address.Port == closedPort).Should().Be(retried.Count);
        cluster.TotalReceived.Should().Be(Requests);
    }
}
