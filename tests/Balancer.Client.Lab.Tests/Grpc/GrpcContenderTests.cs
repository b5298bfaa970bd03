using Balancer.Client.Grpc.Tests.Echo;
using Balancer.Client.Lab.Grpc;
using Balancer.Client.Selection;
using Balancer.Client.Testing.Simulation;
using Grpc.Core;

namespace Balancer.Client.Lab.Tests.Grpc;

public sealed class GrpcContenderTests
{
    private const int Calls = 200;

    [Theory]
    [InlineData(EndpointSelectorNames.PeakEwma)]
    [InlineData(EndpointSelectorNames.PowerOfTwoChoices)]
    [InlineData(GrpcDotnetContender.RoundRobinName)]
    [InlineData(OracleContender.ContenderName)]
    public async Task Contender_AnswersEveryCall_FromMoreThanOneServer(string name)
    {
        var plan = Plan();
        await using var backends = await GrpcLabBackends.StartAsync(plan, seed: 1);
        await using var clients = Contender(name).Create(new GrpcContenderContext(plan, backends));

        var answers = await CallAsync(clients, plan);

        answers.Should().OnlyContain(a => a.Outcome == RequestOutcome.Succeeded);
        backends.ReceivedCounts().Sum().Should().Be(Calls, "every call reaches a server once");
        backends.ReceivedCounts().Count(c => c > 0).Should().BeGreaterThan(1, "a balancer spreads the calls: {0}", string.Join(", ", backends.ReceivedCounts()));
    }

    [Fact]
    public async Task RoundRobin_SpreadsEvenly_PickFirst_SendsEverythingToOneServer()
    {
        var plan = Plan();
        await using (var backends = await GrpcLabBackends.StartAsync(plan, seed: 1))
        await using (var clients = GrpcDotnetContender.RoundRobin.Create(new GrpcContenderContext(plan, backends)))
        {
            (await CallAsync(clients, plan)).Should().OnlyContain(a => a.Outcome == RequestOutcome.Succeeded);
            backends.ReceivedCounts().Should().OnlyContain(c => c >= Calls / plan.Backends.Count / 4, "round robin gives every server its turn");
        }

        await using (var backends = await GrpcLabBackends.StartAsync(plan, seed: 1))
        await using (var clients = GrpcDotnetContender.PickFirst.Create(new GrpcContenderContext(plan, backends)))
        {
            (await CallAsync(clients, plan)).Should().OnlyContain(a => a.Outcome == RequestOutcome.Succeeded);
            backends.ReceivedCounts().Should().ContainSingle(c => c == Calls);
        }
    }

    [Fact]
    public async Task Oracle_SendsNothingToAStoppedServer()
    {
        var plan = Plan();
        await using var backends = await GrpcLabBackends.StartAsync(plan, seed: 1);
        await backends.Backends[0].StopAsync();
        await using var clients = new GrpcOracleContender().Create(new GrpcContenderContext(plan, backends));

        var answers = await CallAsync(clients, plan);

        answers.Should().OnlyContain(a => a.Outcome == RequestOutcome.Succeeded);
        backends.ReceivedCounts()[0].Should().Be(0);
    }

    [Fact]
    public void Catalog_ListsOursGrpcDotnetsAndTheOracle()
    {
        GrpcContenderCatalog.AllNames.Should().Equal(
            EndpointSelectorNames.PeakEwma,
            EndpointSelectorNames.PowerOfTwoChoices,
            GrpcDotnetContender.RoundRobinName,
            GrpcDotnetContender.PickFirstName,
            OracleContender.ContenderName);
    }

    private static GrpcLabContender Contender(string name) => GrpcContenderCatalog.All.Single(c => c.Name == name);

    private static LabPlan Plan()
    {
        var errors = new List<string>();
        var options = LabOptions.Parse(["--duration", "3"], errors);
        errors.Should().BeEmpty();
        return LabPlan.Create(Scenarios.OneSlow, options);
    }

    /// <summary>Calls through the contender's first client, 4 at a time, and returns every answer.</summary>
    private static async Task<List<LoadAnswer>> CallAsync(GrpcClients clients, LabPlan plan)
    {
        var target = new GrpcLoadTarget(clients.Calls, TimeSpan.FromSeconds(10));
        var answers = new List<LoadAnswer>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < Calls)
            {
                var answer = await target.SendAsync(0, new Uri("work", UriKind.Relative), post: false, number: next);
                lock (answers)
                {
                    answers.Add(answer);
                }
            }
        }));
        plan.Clients.Should().Be(1);
        return answers;
    }
}
