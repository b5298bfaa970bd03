using System.Collections.Concurrent;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab.Tests;

public sealed class FleetModeTests
{
    [Fact]
    public void Clients_OverridesTheScenarios_AndIsCheckedAtParse()
    {
        var errors = new List<string>();
        var options = LabOptions.Parse(["--scenario", "prequal", "--clients", "16"], errors);

        errors.Should().BeEmpty();
        LabPlan.Create(Scenarios.Prequal, options).Clients.Should().Be(16);
        LabPlan.Create(Scenarios.Prequal, LabOptions.Parse(["--scenario", "prequal"], errors)).Clients.Should().Be(Scenarios.Prequal.Clients);

        LabOptions.Parse(["--clients", "0"], errors);
        errors.Should().ContainSingle().Which.Should().Contain("--clients");
    }

    [Fact]
    public async Task Generator_SendsEveryKthRequestToTheSameInstance()
    {
        var target = new RecordingTarget(4);
        var generator = new LoadGenerator(target, ["b0"], rate: 400, TimeSpan.FromSeconds(0.5), seed: 1, requestClasses: []);

        await generator.RunAsync(System.Diagnostics.Stopwatch.GetTimestamp());

        // Requests start on the thread pool, so their numbers need not follow the schedule; the counts per instance do:
        // with request i going to instance i mod K, no instance is more than one request ahead of another (a random
        // split of some 200 requests would be off by several).
        var sent = target.Sent.ToList();
        sent.Should().HaveCountGreaterThan(100);
        var perInstance = Enumerable.Range(0, 4).Select(i => sent.Count(s => s.Client == i)).ToList();
        (perInstance.Max() - perInstance.Min()).Should().BeLessThanOrEqualTo(1, $"instances got {string.Join(", ", perInstance)}");
    }

    private sealed class RecordingTarget(int clients) : LoadTarget
    {
        public ConcurrentBag<(long Number, int Client)> Sent { get; } = [];

        public override int Clients => clients;

        public override Task<LoadAnswer> SendAsync(int client, Uri path, bool post, long number)
        {
            Sent.Add((number, client));
            return Task.FromResult(new LoadAnswer(RequestOutcome.Succeeded, "b0"));
        }
    }
}
