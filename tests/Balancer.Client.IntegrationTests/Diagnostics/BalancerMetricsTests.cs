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
}
