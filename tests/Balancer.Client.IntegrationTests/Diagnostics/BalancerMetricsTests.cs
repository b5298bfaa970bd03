using System.Diagnostics.Metrics;
using System.Globalization;
using Balancer.Client.Diagnostics;
using Balancer.Client.Selection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Balancer.Client.IntegrationTests.Diagnostics;

public sealed class BalancerMetricsTests
{
    [Fact]
    public async Task Requests_SuccessesAndFailures_CountsAddUpPerEndpointAndOutcome()
    {
        await using var cluster = await BackendCluster.StartAsync(3, (i, o) =>
        {
            o.Behavior.MeanServiceTime = TimeSpan.Zero;
            o.Behavior.FailureRate = i == 2 ? 1 : 0;
        });
        await using var provider = TestServices.Build("metrics", o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoints(cluster);
            o.Telemetry.EndpointTags = true;
        });
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        using var collector = new MetricCollector<long>(meterFactory, BalancerDiagnostics.Name, "balancer.client.requests");
        using var inFlight = new MetricCollector<long>(meterFactory, BalancerDiagnostics.Name, "balancer.client.requests.in_flight");
        var client = provider.CreateClient("metrics");

        for (var i = 0; i < 30; i++)
        {
            using var response = await client.GetAsync("/metrics");
        }

        var measurements = collector.GetMeasurementSnapshot();
        measurements.Should().OnlyContain(m => Equals(m.Tags[BalancerDiagnostics.ClientTag], "metrics") && Equals(m.Tags[BalancerDiagnostics.ServerAddressTag], "127.0.0.1"));
        measurements.Sum(m => m.Value).Should().Be(30, "one attempt per request, no retries");
        long Count(ScriptedBackend backend, string outcome) => measurements
            .Where(m => Convert.ToString(m.Tags[BalancerDiagnostics.ServerPortTag], CultureInfo.InvariantCulture) == backend.Port.ToString(CultureInfo.InvariantCulture) && Equals(m.Tags[BalancerDiagnostics.OutcomeTag], outcome))
            .Sum(m => m.Value);

        // What the client counted per endpoint and outcome is what each backend saw (whichever endpoints health let through).
        foreach (var backend in cluster)
        {
            Count(backend, "success").Should().Be(backend.RequestsServed, "successes of {0}", backend.Name);
            Count(backend, "failure").Should().Be(backend.RequestsReceived - backend.RequestsServed, "failures of {0}", backend.Name);
        }

        Count(cluster[2], "failure").Should().BeGreaterThan(0);
        Count(cluster[2], "success").Should().Be(0);
        inFlight.GetMeasurementSnapshot().Should().HaveCount(60, "each attempt adds 1 and removes 1")
            .And.Subject.Sum(m => m.Value).Should().Be(0);
    }

    [Fact]
    public async Task Metrics_ByDefault_CarryNoEndpointTags_SeriesStayBoundedWhileEndpointsChurn()
    {
        const string Name = "metrics-churn";
        await using var cluster = await BackendCluster.StartAsync(4, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.Zero);
        var source = new Balancer.Client.Endpoints.ManualEndpointSource();
        await using var provider = TestServices.Build(Name, o => o.Selector = EndpointSelectorNames.RoundRobin, b => b.AddEndpointSource(_ => source));
        var meterFactory = provider.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meterFactory, BalancerDiagnostics.Name, "balancer.client.requests");
        using var inFlight = new MetricCollector<long>(meterFactory, BalancerDiagnostics.Name, "balancer.client.requests.in_flight");
        var client = provider.CreateClient(Name);

        // Every backend in turn is the only endpoint: four endpoints come and go.
        foreach (var backend in cluster)
        {
            source.SetAddresses(backend.Address.ToString());
            (await Load.GetAsync(client, "/churn", 5, concurrency: 1)).Should().Be(0);
        }

        var measurements = requests.GetMeasurementSnapshot();
        measurements.Sum(m => m.Value).Should().Be(20);
        cluster.Should().OnlyContain(b => b.RequestsReceived == 5);
        measurements.Concat(inFlight.GetMeasurementSnapshot()).Should().OnlyContain(
            m => !m.Tags.ContainsKey(BalancerDiagnostics.ServerAddressTag) && !m.Tags.ContainsKey(BalancerDiagnostics.ServerPortTag),
            "endpoint tags are opt-in (Telemetry.EndpointTags)");
        measurements.Select(m => string.Join(",", m.Tags.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"))).Distinct()
            .Should().ContainSingle("one series for the client and its outcome, however many endpoints it had");
    }
}
