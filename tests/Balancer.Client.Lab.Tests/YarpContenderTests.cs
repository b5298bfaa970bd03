using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab.Tests;

public sealed class YarpContenderTests
{
    private const int Requests = 200;

    [Theory]
    [InlineData(YarpContender.LeastRequestsName)]
    [InlineData(YarpContender.PowerOfTwoChoicesName)]
    public async Task Contender_ForwardsEveryRequestOnce_ToMoreThanOneBackend(string name)
    {
        var plan = Plan();
        var contender = ContenderCatalog.All.Single(c => c.Name == name);
        await using var backends = await LabBackends.StartAsync(plan, seed: 1);
        await using var clients = await contender.CreateAsync(new ContenderContext(plan, backends, Seed: 1));

        clients.Clients.Should().HaveCount(plan.Clients);
        clients.Clients.Select(c => c.BaseAddress).Should().OnlyHaveUniqueItems("each client instance has a proxy of its own");
        var answers = await SendAsync(new HttpLoadTarget(clients.Clients));

        answers.Should().OnlyContain(a => a.Outcome == RequestOutcome.Succeeded);
        var received = backends.ReceivedCounts();
        received.Sum().Should().Be(Requests, "every request reaches a backend once: {0}", string.Join(", ", received));
        received.Count(c => c > 0).Should().BeGreaterThan(1, "the proxy spreads the requests: {0}", string.Join(", ", received));
        answers.Select(a => a.Backend).Distinct().Should().HaveCount(received.Count(c => c > 0), "the backends' answers come back through the proxy");
    }

    [Fact]
    public void Targets_CountEveryProxyHop()
    {
        ContenderCatalog.All.OfType<ProxyHopContender>().Select(c => c.Name).Should().Equal(
            ProxyContender.HaproxyName,
            ProxyContender.NginxName,
            YarpContender.LeastRequestsName,
            YarpContender.PowerOfTwoChoicesName);
    }

    private static LabPlan Plan()
    {
        var errors = new List<string>();
        var options = LabOptions.Parse(["--duration", "3", "--clients", "2"], errors);
        errors.Should().BeEmpty();
        return LabPlan.Create(Scenarios.OneSlow, options);
    }

    /// <summary>Sends <see cref="Requests"/> GETs, 8 at a time, alternating between the client instances, and returns every answer.</summary>
    private static async Task<List<LoadAnswer>> SendAsync(HttpLoadTarget target)
    {
        var answers = new List<LoadAnswer>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int number;
            while ((number = Interlocked.Increment(ref next)) < Requests)
            {
                var answer = await target.SendAsync(number % target.Clients, ContenderClients.RequestUri, post: false, number);
                lock (answers)
                {
                    answers.Add(answer);
                }
            }
        }));
        return answers;
    }
}
