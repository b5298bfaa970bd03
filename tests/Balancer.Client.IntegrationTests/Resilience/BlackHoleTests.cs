using System.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.IntegrationTests.Resilience;

[Collection(LoadSensitiveGroup.Name)]
public sealed class BlackHoleTests
{
    [Fact]
    public async Task Get_BlackHoleAmongFour_WithAttemptTimeoutAndRetry_EverySucceedsWithAtMostOneTimeout_BlackHoleEjectedAfterFive()
    {
        const string Name = "black-hole";
        const int Requests = 60;
        var attemptTimeout = TimeSpan.FromMilliseconds(300);
        await using var cluster = await BackendCluster.StartAsync(4, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.BlackHole = i == 3;
        });
        var hole = cluster[3];
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build(
            Name,
            o =>
            {
                o.Selector = EndpointSelectorNames.RoundRobin;
                o.AddEndpoints(cluster);
                o.AttemptTimeout = attemptTimeout;
            },
            client: b => b.AddFeedbackObserver(_ => observer).AddBalancerRetry());
        var client = provider.CreateClient(Name);

        var latencies = new List<TimeSpan>();
        for (var id = 0; id < Requests; id++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hole");
            request.Options.Set(RecordingObserver.RequestId, id);
            var watch = Stopwatch.StartNew();
            using var response = await client.SendAsync(request);
            latencies.Add(watch.Elapsed);
            response.IsSuccessStatusCode.Should().BeTrue("request {0} should succeed on another endpoint after a timeout", id);
            response.BackendName().Should().NotBe(hole.Name);
        }

        // Sequential requests: the black hole times out five times in a row, is ejected, and gets no attempt after that.
        var attempts = observer.Attempts;
        var onHole = attempts.Where(a => a.Endpoint.Address.Port == hole.Port).ToList();
        onHole.Should().HaveCount(5).And.OnlyContain(a => a.Outcome == AttemptOutcome.Failure);
        onHole.Should().OnlyContain(a => a.Duration >= attemptTimeout - TimeSpan.FromMilliseconds(20), "each failed by the attempt timeout");
        hole.RequestsReceived.Should().BeLessThanOrEqualTo(5);

        // A healthy backend can miss the attempt timeout too when the machine stalls (a failure like any other); rarely.
        attempts.Count(a => a.Outcome == AttemptOutcome.Failure && a.Endpoint.Address.Port != hole.Port).Should().BeLessThanOrEqualTo(2);

        // No request paid the black hole's timeout twice: a retry never goes back to an endpoint the request tried.
        var byRequest = attempts.GroupBy(a => a.RequestId).ToDictionary(g => g.Key, g => g.ToList());
        byRequest.Should().HaveCount(Requests);
        byRequest.Values.Should().OnlyContain(list => list.Count(a => a.Endpoint.Address.Port == hole.Port) <= 1);
        var holeLatencies = byRequest.Where(p => p.Value.Any(a => a.Endpoint.Address.Port == hole.Port)).Select(p => latencies[p.Key]).ToList();
        holeLatencies.Should().HaveCount(5).And.OnlyContain(
            l => l < (2 * attemptTimeout) + TimeSpan.FromMilliseconds(500),
            "one timeout, then a quick answer elsewhere; latencies (ms): {0}",
            string.Join(", ", holeLatencies.Select(l => l.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture))));
    }
}
