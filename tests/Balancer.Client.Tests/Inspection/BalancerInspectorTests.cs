using System.Net;
using Balancer.Client.DependencyInjection;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Inspection;
using Balancer.Client.Runtime;
using Balancer.Client.Selection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.Tests.Inspection;

/// <summary>
/// Snapshots of a client whose attempts are recorded through its real tracker and health monitor on a fake clock
/// (no sockets): the figures can be checked exactly.
/// </summary>
public sealed class BalancerInspectorTests : IDisposable
{
    private const string Name = "catalog";
    private static readonly TimeSpan s_tau = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    [Fact]
    public void GetSnapshot_ClientNotUsedYet_ReturnsNullUntilItStarts()
    {
        var provider = Build(o => o.AddEndpoint("http://127.0.0.1:5001"));
        var inspector = provider.GetRequiredService<IBalancerInspector>();

        inspector.GetSnapshot(Name).Should().BeNull("inspection never starts a client");
        inspector.GetSnapshots().Should().BeEmpty();
        provider.GetRequiredService<BalancerClientRegistry>().IsBalanced(Name).Should().BeTrue();

        provider.GetRequiredService<BalancerClientRegistry>().Get(Name);

        inspector.GetSnapshot(Name).Should().NotBeNull();
        inspector.GetSnapshots().Select(s => s.ClientName).Should().Equal(Name);
    }

    [Fact]
    public void GetSnapshot_UnknownName_ReturnsNull()
    {
        var (_, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001"));

        inspector.GetSnapshot("other").Should().BeNull();
        inspector.GetSnapshot("CATALOG").Should().BeNull("client names are case-sensitive");
    }

    [Fact]
    public void GetSnapshot_NewClient_ReportsSettingsSelectorAndNeutralFigures()
    {
        var (_, inspector) = Start(o =>
        {
            o.AddEndpoint("http://127.0.0.1:5001", weight: 3, zone: "eu-1a");
            o.AddEndpoint("http://127.0.0.1:5002/base");
        });

        var snapshot = inspector.GetSnapshot(Name)!;

        snapshot.ClientName.Should().Be(Name);
        snapshot.SelectorName.Should().Be(EndpointSelectorNames.LeastLatency);
        snapshot.EndpointSetVersion.Should().Be(1);
        snapshot.Timestamp.Should().Be(_time.GetUtcNow());
        snapshot.Panic.Should().BeFalse();
        snapshot.Endpoints.Select(e => e.Address.AbsoluteUri).Should().Equal("http://127.0.0.1:5001/", "http://127.0.0.1:5002/base/");
        var first = snapshot.Endpoints[0];
        first.Weight.Should().Be(3);
        first.Zone.Should().Be("eu-1a");
        first.Health.Should().Be(EndpointHealthStatus.Healthy);
        first.SlowStartFactor.Should().Be(1);
        first.EjectedUntil.Should().BeNull();
        first.CooldownUntil.Should().BeNull();
        first.InFlight.Should().Be(0);
        first.Latency.Should().BeNull();
        first.LatencyP95.Should().BeNull();
        first.TotalRequests.Should().Be(0);
        first.Share.Should().Be(0);
        first.RecentRequests.Should().Be(0);
    }

    [Fact]
    public void Share_FollowsCompletedAttempts()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002").AddEndpoint("http://127.0.0.1:5003"));
        var endpoints = state.Endpoints;

        Complete(state, endpoints[0], HttpStatusCode.OK, count: 30, latency: TimeSpan.Zero);
        Complete(state, endpoints[1], HttpStatusCode.OK, count: 10, latency: TimeSpan.Zero);

        var snapshot = inspector.GetSnapshot(Name)!;
        snapshot.Endpoints.Select(e => e.Share).Should().Equal([0.75, 0.25, 0], (a, b) => Math.Abs(a - b) < 1e-9);
        snapshot.Endpoints.Sum(e => e.Share).Should().BeApproximately(1, 1e-9);
        snapshot.Endpoints[0].TotalRequests.Should().Be(30);
        snapshot.Endpoints[1].TotalRequests.Should().Be(10);
    }

    [Fact]
    public void Share_EndpointThatStoppedGettingTraffic_FadesWithTheDecayTime()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002"));
        var endpoints = state.Endpoints;

        Complete(state, endpoints[0], HttpStatusCode.OK, count: 10, latency: TimeSpan.Zero);
        _time.Advance(s_tau);
        Complete(state, endpoints[1], HttpStatusCode.OK, count: 10, latency: TimeSpan.Zero);

        var snapshot = inspector.GetSnapshot(Name)!;
        var faded = 10 * Math.Exp(-1);
        snapshot.Endpoints[0].RecentRequests.Should().BeApproximately(faded, 1e-6, "ten requests one τ ago weigh e^-1 each");
        snapshot.Endpoints[1].RecentRequests.Should().BeApproximately(10, 1e-6);
        snapshot.Endpoints[0].Share.Should().BeApproximately(faded / (faded + 10), 1e-6);
        snapshot.Endpoints[0].TotalRequests.Should().Be(10, "totals do not decay");
    }

    [Fact]
    public void InFlight_CountsAttemptsUntilTheyComplete()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002"));
        var endpoint = state.Endpoints[1];
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Address);
        using var response = new HttpResponseMessage(HttpStatusCode.OK);

        var first = state.Tracker.Begin(endpoint, 1);
        var second = state.Tracker.Begin(endpoint, 1);

        inspector.GetSnapshot(Name)!.Endpoints.Select(e => e.InFlight).Should().Equal(0, 2);
        first.Complete(request, response, null, canceled: false);
        second.Complete(request, null, new OperationCanceledException(), canceled: true);

        var after = inspector.GetSnapshot(Name)!.Endpoints[1];
        after.InFlight.Should().Be(0);
        after.TotalRequests.Should().Be(1, "a cancelled attempt is not counted");
    }

    [Fact]
    public void Latency_ReportsPeakEwmaEstimateAndRecentP95()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002"));
        var endpoint = state.Endpoints[0];

        Complete(state, endpoint, HttpStatusCode.OK, count: 4, latency: TimeSpan.FromMilliseconds(20));
        inspector.GetSnapshot(Name)!.Endpoints[0].LatencyP95.Should().BeNull("four samples are too few for a percentile");
        Complete(state, endpoint, HttpStatusCode.OK, count: 1, latency: TimeSpan.FromMilliseconds(20));

        var snapshot = inspector.GetSnapshot(Name)!.Endpoints[0];
        snapshot.Latency.Should().Be(TimeSpan.FromMilliseconds(20));
        snapshot.LatencyEstimate.Should().Be(TimeSpan.FromMilliseconds(20));
        snapshot.LatencyP95.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(20)).And.BeLessThanOrEqualTo(TimeSpan.FromMilliseconds(25), "buckets are within 25%");
        inspector.GetSnapshot(Name)!.Endpoints[1].LatencyEstimate.Should().Be(TimeSpan.FromMilliseconds(20), "an endpoint without samples reports the client-wide prior");
    }

    [Fact]
    public void Ejected_ReportsUntilWhenCountAndFailures_ThenHealthyAgain()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002").AddEndpoint("http://127.0.0.1:5003"));
        var bad = state.Endpoints[2];

        Complete(state, bad, HttpStatusCode.ServiceUnavailable, count: 5);
        var ejectedAt = _time.GetUtcNow();

        var snapshot = inspector.GetSnapshot(Name)!.Endpoints[2];
        snapshot.Health.Should().Be(EndpointHealthStatus.Ejected);
        snapshot.EjectedUntil.Should().Be(ejectedAt + TimeSpan.FromSeconds(30), "the base ejection time is 30 s");
        snapshot.EjectionCount.Should().Be(1);
        snapshot.ConsecutiveFailures.Should().Be(5);
        snapshot.TotalFailures.Should().Be(5);
        snapshot.FailureRate.Should().Be(1);
        snapshot.LastFailure.Should().Be(ejectedAt);
        inspector.GetSnapshot(Name)!.Endpoints[0].Health.Should().Be(EndpointHealthStatus.Healthy);

        _time.Advance(TimeSpan.FromSeconds(30));

        var back = inspector.GetSnapshot(Name)!.Endpoints[2];
        back.Health.Should().NotBe(EndpointHealthStatus.Ejected);
        back.EjectedUntil.Should().BeNull();
    }

    [Fact]
    public void RetryAfter_ReportsCoolingDownUntil_AndPanicWhenTooFewAreLeft()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002").AddEndpoint("http://127.0.0.1:5003"));

        Complete(state, state.Endpoints[0], HttpStatusCode.ServiceUnavailable, count: 1, retryAfter: TimeSpan.FromSeconds(20));
        var first = inspector.GetSnapshot(Name)!;
        first.Endpoints[0].Health.Should().Be(EndpointHealthStatus.CoolingDown);
        first.Endpoints[0].CooldownUntil.Should().Be(_time.GetUtcNow() + TimeSpan.FromSeconds(20));
        first.Panic.Should().BeFalse("two of three are available, above the panic threshold of half");

        Complete(state, state.Endpoints[1], HttpStatusCode.TooManyRequests, count: 1, retryAfter: TimeSpan.FromSeconds(20));

        inspector.GetSnapshot(Name)!.Panic.Should().BeTrue("one of three is available, under the panic threshold of half");
    }

    [Fact]
    public void SlowStart_ReportsTheShareItRampsUpFrom()
    {
        var (state, inspector) = Start(o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002"));

        state.Health.StartSlowStart(state.Endpoints[1], _time.GetTimestamp());
        _time.Advance(TimeSpan.FromSeconds(15));

        var snapshot = inspector.GetSnapshot(Name)!.Endpoints[1];
        snapshot.Health.Should().Be(EndpointHealthStatus.SlowStart);
        snapshot.SlowStartFactor.Should().BeApproximately(0.1 + (0.9 * 0.5), 1e-9, "half way through the 30 s window from 10%");
    }

    [Fact]
    public void Scores_PeakEwma_PublishesCostPerEndpoint()
    {
        var (state, inspector) = Start(o =>
        {
            o.Selector = EndpointSelectorNames.PeakEwma;
            o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002");
        });
        state.Tracker.Begin(state.Endpoints[0], 1);
        state.Tracker.Begin(state.Endpoints[0], 1);

        var snapshot = inspector.GetSnapshot(Name)!;

        snapshot.ScoreDescription.Should().Contain("lower");
        var scores = snapshot.Endpoints.Select(e => e.Score!.Value).ToArray();
        scores[1].Should().BeGreaterThan(0);
        scores[0].Should().BeApproximately(3 * scores[1], 1e-9, "same prior latency, (2 in flight + 1) against (0 + 1)");
    }

    [Fact]
    public void Scores_LeastLatency_PublishesExpectedLatencyPerEndpoint()
    {
        var (state, inspector) = Start(o =>
        {
            o.Selector = EndpointSelectorNames.LeastLatency;
            o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002");
        });
        state.Tracker.Begin(state.Endpoints[0], 1);
        state.Tracker.Begin(state.Endpoints[0], 1);

        var snapshot = inspector.GetSnapshot(Name)!;

        snapshot.ScoreDescription.Should().Contain("expected latency");
        var scores = snapshot.Endpoints.Select(e => e.Score!.Value).ToArray();
        scores[1].Should().BeGreaterThan(0);
        scores[0].Should().BeApproximately(300 * scores[1], 1e-6, "no history: the idle unknown endpoint costs 1 % of the prior, the other prior × (2 in flight + 1)");
        snapshot.Endpoints[0].ScoreNote.Should().Contain("typical in flight 0");
    }

    [Fact]
    public void Scores_SelectorWithoutInspection_AreAbsent()
    {
        var (_, inspector) = Start(o =>
        {
            o.Selector = EndpointSelectorNames.RoundRobin;
            o.AddEndpoint("http://127.0.0.1:5001");
        });

        var snapshot = inspector.GetSnapshot(Name)!;

        snapshot.ScoreDescription.Should().BeNull();
        snapshot.Endpoints.Should().OnlyContain(e => e.Score == null && e.ScoreNote == null);
    }

    [Fact]
    public void Scores_CustomSelector_ShownWithNotes_AndAFailingOneDoesNotBreakTheSnapshot()
    {
        var (_, inspector) = Start(
            o => o.AddEndpoint("http://127.0.0.1:5001").AddEndpoint("http://127.0.0.1:5002").AddEndpoint("http://127.0.0.1:5003"),
            b => b.UseEndpointSelector("scored", _ => new ScoredSelector()));

        var snapshot = inspector.GetSnapshot(Name)!;

        snapshot.SelectorName.Should().Be("scored");
        snapshot.ScoreDescription.Should().Be("port; higher wins");
        snapshot.Endpoints[0].Score.Should().Be(5001);
        snapshot.Endpoints[0].ScoreNote.Should().Be("first");
        snapshot.Endpoints[1].Score.Should().BeNull("the selector has no opinion of it");
        snapshot.Endpoints[2].Score.Should().BeNull();
        snapshot.Endpoints[2].ScoreNote.Should().Be("GetScore failed: InvalidOperationException");
    }

    [Fact]
    public void GetSnapshots_SeveralClients_OrderedByName()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddBalancedHttpClient("zeta", o => o.AddEndpoint("http://127.0.0.1:5001"));
        services.AddBalancedHttpClient("alpha", o => o.AddEndpoint("http://127.0.0.1:5002"));
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        var registry = provider.GetRequiredService<BalancerClientRegistry>();
        registry.Get("zeta");
        registry.Get("alpha");

        provider.GetRequiredService<IBalancerInspector>().GetSnapshots().Select(s => s.ClientName).Should().Equal("alpha", "zeta");
    }

    private ServiceProvider Build(Action<BalancerOptions> configure, Action<IHttpClientBuilder>? client = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        var builder = services.AddBalancedHttpClient(Name, o =>
        {
            o.LatencyDecayTime = s_tau;
            configure(o);
        });
        client?.Invoke(builder);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    private (ClientRuntime State, IBalancerInspector Inspector) Start(Action<BalancerOptions> configure, Action<IHttpClientBuilder>? client = null)
    {
        var provider = Build(configure, client);
        return (provider.GetRequiredService<BalancerClientRegistry>().Get(Name), provider.GetRequiredService<IBalancerInspector>());
    }

    /// <summary>Sends <paramref name="count"/> attempts through the client's tracker and health monitor, each taking <paramref name="latency"/> (default 10 ms of fake time).</summary>
    private void Complete(ClientRuntime state, BalancerEndpoint endpoint, HttpStatusCode status, int count, TimeSpan? latency = null, TimeSpan? retryAfter = null)
    {
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, endpoint.Address);
            using var response = new HttpResponseMessage(status);
            if (retryAfter is { } delay)
            {
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
            }

            var lease = state.Tracker.Begin(endpoint, 1);
            _time.Advance(latency ?? TimeSpan.FromMilliseconds(10));
            lease.Complete(request, response, null, canceled: false); // health hears of it there, as from the handler
        }
    }

    private sealed class ScoredSelector : IEndpointSelector, IInspectableSelector
    {
        public string ScoreDescription => "port; higher wins";

        public BalancerEndpoint? Select(in SelectionContext context) => context.Endpoints.Count == 0 ? null : context.Endpoints[0];

        public EndpointScore? GetScore(BalancerEndpoint endpoint) => endpoint.Address.Port switch
        {
            5001 => new EndpointScore(5001, "first"),
            5002 => null,
            _ => throw new InvalidOperationException("broken"),
        };
    }
}
