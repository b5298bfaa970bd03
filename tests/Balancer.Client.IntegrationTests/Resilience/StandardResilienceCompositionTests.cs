using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Polly;

namespace Balancer.Client.IntegrationTests.Resilience;

public sealed class StandardResilienceCompositionTests
{
    [Fact]
    public async Task Get_StandardResilienceHandlerThenBalancerRetry_OneBackendStopped_EveryRequestSucceeds()
    {
        const string Name = "standard-then-balancer";
        const int Requests = 100;
        const int Concurrency = 4;
        await using var cluster = await BackendCluster.StartAsync(3, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var stopped = cluster[1];
        await stopped.StopAsync();
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
            },
            client: b =>
            {
                b.AddFeedbackObserver(_ => observer);

                // Handlers run in the order they are added, the first added outermost. The standard handler goes first so
                // that its total timeout and circuit breaker wrap every attempt the balancer makes; the balancer's retry goes
                // inside it, next to the balancing handler, so that each retry picks another endpoint and follows the
                // balancer's rules (idempotency, replayable bodies, retry budget, endpoints already tried). The standard
                // retry is switched off: it would re-run the whole balancer retry and multiply the attempts.
                b.AddStandardResilienceHandler(o =>
                {
                    o.Retry.ShouldHandle = _ => ValueTask.FromResult(false);
                });
                b.AddBalancerRetry();
            });
        var client = provider.CreateClient(Name);

        (await Load.GetAsync(client, "/composed", Requests, Concurrency)).Should().Be(0);

        // The balancer retried the refused attempts on the other endpoints, and outlier detection soon ejected the stopped one.
        var attempts = observer.Attempts;
        var failed = attempts.Where(a => a.Outcome == AttemptOutcome.Failure).ToList();
        failed.Should().NotBeEmpty().And.OnlyContain(a => a.Endpoint.Address.Port == stopped.Port && a.Number == 1);
        failed.Count.Should().BeLessThanOrEqualTo(5 + Concurrency - 1);
        attempts.Count(a => a.Number == 2).Should().Be(failed.Count, "each refused attempt was retried once, elsewhere");
        cluster.TotalReceived.Should().Be(Requests);
    }
}
