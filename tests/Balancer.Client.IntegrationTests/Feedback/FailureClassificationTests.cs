using System.Diagnostics.Metrics;
using System.Net;
using Balancer.Client.Diagnostics;
using Balancer.Client.Feedback;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Balancer.Client.IntegrationTests.Feedback;

public sealed class FailureClassificationTests
{
    [Fact]
    public async Task Get_CallerCancelsWhileBackendHolds_RecordsCanceledAndNoFailure()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "holds", Behavior = { BlackHole = true } });
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build("cancel-outcome", o => o.AddEndpoint(backend.Address.ToString()), client: b => b.AddFeedbackObserver(_ => observer));
        using var collector = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), BalancerDiagnostics.Name, "balancer.client.requests");
        using var cancellation = new CancellationTokenSource();

        var send = provider.CreateClient("cancel-outcome").GetAsync("/hold", cancellation.Token);
        await backend.WaitForRequestsAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
        await cancellation.CancelAsync();

        await send.Invoking(s => s).Should().ThrowAsync<OperationCanceledException>();
        collector.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[BalancerDiagnostics.OutcomeTag].Should().Be("canceled");
        var attempt = observer.Attempts.Should().ContainSingle().Which;
        attempt.Outcome.Should().Be(AttemptOutcome.Canceled);
        attempt.Endpoint.Stats.TotalFailures.Should().Be(0);
        attempt.Endpoint.Stats.TotalRequests.Should().Be(0, "a cancellation records neither latency nor outcome");
        attempt.Endpoint.Stats.InFlight.Should().Be(0);
    }

    [Fact]
    public async Task Get_Backend503_RecordsFailure()
    {
        await using var backend = await ScriptedBackend.StartAsync(new BackendOptions { Name = "fails", Behavior = { FailureRate = 1 } });
        var observer = new RecordingObserver();
        await using var provider = TestServices.Build("failure-outcome", o => o.AddEndpoint(backend.Address.ToString()), client: b => b.AddFeedbackObserver(_ => observer));
        using var collector = new MetricCollector<long>(provider.GetRequiredService<IMeterFactory>(), BalancerDiagnostics.Name, "balancer.client.requests");

        using var response = await provider.CreateClient("failure-outcome").GetAsync("/fail");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        collector.GetMeasurementSnapshot().Should().ContainSingle()
            .Which.Tags[BalancerDiagnostics.OutcomeTag].Should().Be("failure");
        var attempt = observer.Attempts.Should().ContainSingle().Which;
        attempt.Outcome.Should().Be(AttemptOutcome.Failure);
        attempt.Endpoint.Stats.TotalFailures.Should().Be(1);
        attempt.Endpoint.Stats.ConsecutiveFailures.Should().Be(1);
    }
}
