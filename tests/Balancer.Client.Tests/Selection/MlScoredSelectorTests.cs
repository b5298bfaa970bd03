using System.Diagnostics;
using System.Net;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Tests.Selection;

public class MlScoredSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_WithoutClassSamples_AndNoExploration_PicksLikePeakEwma()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(50));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(5));
        var selector = Create(o => o.Exploration = 0);

        for (var i = 0; i < 50; i++)
        {
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
        }
    }

    [Fact]
    public void Select_LearnsPerRoute_EachRouteGoesToTheEndpointThatServesItFast()
    {
        // Endpoint 0 serves /a in 2 ms and /b in 40 ms, endpoint 1 the reverse, endpoint 2 both in 10 ms.
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        double[][] latency = [[0.002, 0.040], [0.040, 0.002], [0.010, 0.010]];
        var selector = Create(o => { });
        using var a = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a/1");
        using var b = new HttpRequestMessage(HttpMethod.Get, "http://catalog/b/1");
        var picks = new int[2, 3];

        for (var round = 0; round < 2000; round++)
        {
            for (var route = 0; route < 2; route++)
            {
                var request = route == 0 ? a : b;
                var chosen = Array.IndexOf(endpoints, selector.Select(new SelectionContext(endpoints, request)));
                Complete(selector, endpoints[chosen], request, latency[chosen][route]);
                if (round >= 500)
                {
                    picks[route, chosen]++;
                }
            }

            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(5));
        }

        picks[0, 0].Should().BeGreaterThan(1200, "after warm-up most /a requests should go to endpoint 0; picks: {0}", Describe(picks));
        picks[1, 1].Should().BeGreaterThan(1200, "after warm-up most /b requests should go to endpoint 1; picks: {0}", Describe(picks));
    }

    [Fact]
    public void Select_EndpointSlowForOneRoute_IsTriedOnARouteItHasNotServed_AndWinsItWhereItIsFast()
    {
        // Endpoint 1 has served only /a, slowly (40 ms), and would serve /b in 2 ms; endpoints 0 and 2 serve /b in 10 ms.
        // Its /b class has no sample: guessing it from its /a latency alone would keep it out of /b for a long time.
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var selector = Create(o => { });
        using var a = new HttpRequestMessage(HttpMethod.Get, "http://catalog/a/1");
        using var b = new HttpRequestMessage(HttpMethod.Get, "http://catalog/b/1");
        for (var i = 0; i < 40; i++)
        {
            selector.Select(new SelectionContext(endpoints, a));
            Complete(selector, endpoints[1], a, 0.040);
            selector.Select(new SelectionContext(endpoints, b));
            Complete(selector, endpoints[i % 2 == 0 ? 0 : 2], b, 0.010);
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(5));
        }

        var early = 0;
        for (var round = 0; round < 100; round++)
        {
            var chosen = selector.Select(new SelectionContext(endpoints, b))!;
            Complete(selector, chosen, b, chosen == endpoints[1] ? 0.002 : 0.010);
            early += chosen == endpoints[1] ? 1 : 0;
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(5));
        }

        early.Should().BeGreaterThan(50, "endpoint 1 serves /b 5x faster and should win most of the first 100 /b requests");
    }

    [Fact]
    public void Select_EndpointAvoidedAsSlow_IsExploredAgain_AndFoundRecovered()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        var selector = Create(o => { });
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://catalog/work");
        var slow = 0.100;
        var lateShare = 0;
        for (var round = 0; round < 6000; round++)
        {
            if (round == 2000)
            {
                slow = 0.005; // endpoint 0 recovers and is now as fast as endpoint 1
            }

            var chosen = selector.Select(new SelectionContext(endpoints, request))!;
            Complete(selector, chosen, request, chosen == endpoints[0] ? slow : 0.010);
            if (round >= 5000 && chosen == endpoints[0])
            {
                lateShare++;
            }

            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // 30 s after recovering, endpoint 0 (now twice as fast) should take most of the traffic again.
        lateShare.Should().BeGreaterThan(600);
    }

    [Fact]
    public void Select_ScorerThatPrefersTheLocalZone_Decides()
    {
        var endpoints = new[] { _endpoints.Create(5000, zone: "remote"), _endpoints.Create(5001, zone: "local") };
        var selector = Create(o =>
        {
            o.LocalZone = "local";
            o.Exploration = 0;
            o.Scorer = new DelegateScorer(row => new EndpointPrediction(0.010 - (0.009 * row[EndpointFeatures.ZoneMatch]), 0));
        });

        for (var i = 0; i < 20; i++)
        {
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
        }
    }

    [Fact]
    public void Select_ScorerThatThrows_FallsBackToTheOnlineModel()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(50));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(5));
        var selector = Create(o =>
        {
            o.Exploration = 0;
            o.Scorer = new DelegateScorer(_ => throw new InvalidOperationException("broken model"));
        });

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
    }

    [Fact]
    public void Select_FeatureRows_FollowTheDocumentedLayout()
    {
        var endpoint = _endpoints.Create(5000, weight: 3, zone: "z1");
        var other = _endpoints.Create(5001);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(20));
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(30), failure: true);
        endpoint.Stats.IncrementInFlight();
        _endpoints.Time.Advance(TimeSpan.FromSeconds(4));
        float[]? seen = null;
        var selector = Create(o =>
        {
            o.LocalZone = "Z1";
            o.Scorer = new DelegateScorer(row =>
            {
                if (row[EndpointFeatures.Weight] == 3)
                {
                    seen = row.ToArray();
                }

                return new EndpointPrediction(0.01, 0);
            });
        });
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://catalog/orders/7") { Content = new ByteArrayContent(new byte[99]) };

        selector.Select(new SelectionContext([endpoint, other], request));

        seen.Should().NotBeNull();
        seen![EndpointFeatures.LatencyEstimate].Should().BeApproximately((float)endpoint.Stats.GetLatencyEstimate(_endpoints.Time.GetTimestamp()), 1e-6f);
        seen[EndpointFeatures.InFlight].Should().Be(1);
        seen[EndpointFeatures.FailureRate].Should().BeApproximately(0.5f, 1e-3f);
        seen[EndpointFeatures.SecondsSinceFailure].Should().BeApproximately(4, 1e-3f);
        seen[EndpointFeatures.ZoneMatch].Should().Be(1);
        seen[EndpointFeatures.Method].Should().Be(3);
        seen[EndpointFeatures.ContentLength].Should().BeApproximately((float)Math.Log(100), 1e-5f);
        seen[EndpointFeatures.ClassSamples].Should().Be(0);
        seen[EndpointFeatures.ClassLatency].Should().Be(seen[EndpointFeatures.LatencyEstimate], "without class samples the class latency is the prior");
    }

    [Fact]
    public void Select_SampledActivity_RecordsTheCandidatesTheirCostsAndTheReason()
    {
        using var source = new ActivitySource("Balancer.Client.Tests.MlScored");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var endpoints = _endpoints.WithWeights(1, 1);
        var selector = Create(o => { });

        using var activity = source.StartActivity("request")!;
        var chosen = selector.Select(new SelectionContext(endpoints));

        var pick = activity.Events.Should().ContainSingle(e => e.Name == "balancer.ml_scored.pick").Which;
        var tags = pick.Tags.ToDictionary(t => t.Key, t => t.Value);
        tags["balancer.client"].Should().Be("catalog");
        tags["balancer.ml.chosen"].Should().Be(chosen!.Key);
        tags["balancer.ml.reason"].Should().Be("prior", "no endpoint has a sample yet");
        tags["balancer.ml.candidates"].Should().BeOfType<string>().Which.Should().Contain(endpoints[0].Key).And.Contain(endpoints[1].Key).And.Contain("cost=");
    }

    [Fact]
    public void Select_UnsampledActivity_RecordsNothing()
    {
        using var activity = new Activity("not sampled");
        activity.Start();
        activity.IsAllDataRequested = false;

        Create(o => { }).Select(new SelectionContext(_endpoints.WithWeights(1, 1)));

        activity.Events.Should().BeEmpty();
    }

    [Fact]
    public void Select_ManyEndpoints_ScoresOnlyTheConfiguredNumberOfCandidates()
    {
        var rows = 0;
        var selector = Create(o =>
        {
            o.Candidates = 3;
            o.Scorer = new DelegateScorer(_ =>
            {
                rows++;
                return new EndpointPrediction(0.01, 0);
            });
        });

        selector.Select(new SelectionContext(_endpoints.WithWeights([.. Enumerable.Repeat(1, 100)])));

        rows.Should().Be(3);
    }

    private MlScoredSelector Create(Action<MlScoredOptions> configure)
    {
        var options = new MlScoredOptions();
        configure(options);
        return new MlScoredSelector("catalog", RandomSource.Create(3), _endpoints.Settings, options);
    }

    private void Complete(MlScoredSelector selector, BalancerEndpoint endpoint, HttpRequestMessage request, double seconds)
    {
        _endpoints.Record(endpoint, TimeSpan.FromSeconds(seconds));
        selector.OnAttemptCompleted(new AttemptFeedback("catalog", endpoint, request, AttemptOutcome.Success, HttpStatusCode.OK, null, TimeSpan.FromSeconds(seconds), 1));
    }

    private static string Describe(int[,] picks) =>
        $"/a: {picks[0, 0]} {picks[0, 1]} {picks[0, 2]}; /b: {picks[1, 0]} {picks[1, 1]} {picks[1, 2]}";

    private sealed class DelegateScorer(Func<float[], EndpointPrediction> predict) : IEndpointScorer
    {
        public void Score(ReadOnlySpan<float> features, Span<EndpointPrediction> predictions)
        {
            for (var i = 0; i < predictions.Length; i++)
            {
                predictions[i] = predict(features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count).ToArray());
            }
        }
    }
}
