using System.Diagnostics;
using System.Net;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Health;

public sealed class RetryAfterCooldownTests
{
    [Fact]
    public async Task Get_429WithRetryAfter_NoAttemptDuringTheCooldown_TrafficAgainAfterIt()
    {
        const string Name = "sheds-load";
        var retryAfter = TimeSpan.FromSeconds(1);
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            if (i == 0)
            {
                o.Behavior.FailureRate = 1;
                o.Behavior.FailureStatusCode = 429;
                o.Behavior.RetryAfter = retryAfter;
            }
        });
        var shedding = cluster[0];
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
            },
            client: b => b.AddFeedbackObserver(_ => observer));
        var client = provider.CreateClient(Name);

        // One request at a time (so no attempt is under way when the cool-down starts), until the shedding backend has
        // answered twice: the first 429 starts a cool-down, the second comes after it.
        var run = await Load.GetUntilAsync(client, "/shed", 1, () => shedding.RequestsReceived >= 2, maxCount: 20_000, pause: TimeSpan.FromMilliseconds(1));
        run.Stopped.Should().BeTrue("the endpoint should get traffic again after its cool-down; {0}", run);

        var attempts = observer.Attempts;
        var onShedding = attempts.Where(a => a.Endpoint.Address.Port == shedding.Port).OrderBy(a => a.CompletedAt).ToList();
        onShedding.Should().HaveCount(2).And.OnlyContain(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        var cooldownStart = onShedding[0].CompletedAt;
        var gap = Stopwatch.GetElapsedTime(cooldownStart, onShedding[1].StartedAt);
        gap.Should().BeGreaterThanOrEqualTo(retryAfter - TimeSpan.FromMilliseconds(20), "no attempt goes to it until Retry-After has passed");
        gap.Should().BeLessThan(retryAfter + TimeSpan.FromSeconds(5), "it gets traffic again soon after the cool-down");

        // Meanwhile the others kept serving.
        var duringCooldown = attempts.Count(a => a.Endpoint.Address.Port != shedding.Port && a.StartedAt > cooldownStart && a.StartedAt < onShedding[1].StartedAt);
        // One request at a time: a busy machine (CI runs test projects side by side) managed 5 in the second, a quiet one hundreds.
        duringCooldown.Should().BeGreaterThanOrEqualTo(2, "the other endpoints serve while the shedding one cools down (gap {0})", gap);
        attempts.Where(a => a.Endpoint.Address.Port != shedding.Port).Should().OnlyContain(a => a.StatusCode == HttpStatusCode.OK);
    }
}
