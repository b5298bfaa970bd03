using Balancer.Client.Feedback;

namespace Balancer.Client.Tests.Feedback;

public class EndpointStatsTests
{
    private readonly TestEndpoints _endpoints = new(decay: TimeSpan.FromSeconds(10));

    [Fact]
    public void Record_FirstSample_BecomesTheEstimate()
    {
        var endpoint = _endpoints.Create(1);
        endpoint.Stats.Latency.Should().BeNull();

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(20));

        endpoint.Stats.Latency.Should().BeCloseTo(TimeSpan.FromMilliseconds(20), TimeSpan.FromMicroseconds(1));
    }

    [Fact]
    public void Record_SampleAboveEstimate_ReplacesItAtOnce()
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(10));
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(1));

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(80));

        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(80, 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(30)]
    public void Record_SampleBelowEstimate_MovesTowardsItByOneMinusExpOfElapsedOverTau(int elapsedSeconds)
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(100));
        _endpoints.Time.Advance(TimeSpan.FromSeconds(elapsedSeconds));

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(10));

        var weight = Math.Exp(-elapsedSeconds / 10.0);
        var expected = (100 * weight) + (10 * (1 - weight));
        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(expected, 1e-3);
    }

    [Fact]
    public void LatencyEstimate_WithoutNewSamples_DecaysTowardsZeroWithTau()
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(100));

        _endpoints.Time.Advance(TimeSpan.FromSeconds(10));

        endpoint.Stats.LatencyEstimate.TotalMilliseconds.Should().BeApproximately(100 / Math.E, 1e-3);
        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(100, 1e-6, "the recorded estimate itself only changes with samples");
    }

    [Fact]
    public void LatencyEstimate_OlderThanTau_IsWorthNoMoreThanThePrior()
    {
        var stalled = _endpoints.Create(1);
        var healthy = _endpoints.Create(2);
        _endpoints.Record(healthy, TimeSpan.FromMilliseconds(10));
        _endpoints.Record(stalled, TimeSpan.FromSeconds(2));

        _endpoints.Time.Advance(TimeSpan.FromSeconds(9.9));
        stalled.Stats.LatencyEstimate.TotalMilliseconds.Should().BeGreaterThan(700, "within τ the peak only decays");

        _endpoints.Time.Advance(TimeSpan.FromSeconds(0.1));
        stalled.Stats.LatencyEstimate.Should().BeLessThanOrEqualTo(healthy.Stats.LatencyEstimate.Add(TimeSpan.FromSeconds(1)))
            .And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(1.1), "after τ a stale 2 s peak is capped by the prior (the client-wide average)");
    }

    [Fact]
    public void GetFailurePenalty_NothingHeardForTau_IsOne()
    {
        var endpoint = _endpoints.Create(1);
        for (var i = 0; i < 6; i++)
        {
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        }

        endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp()).Should().BeGreaterThan(64);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(10));
        endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp()).Should().Be(1, "a failing endpoint not heard of for τ gets probed again");
    }

    [Fact]
    public void LatencyEstimate_WithoutSamples_IsTheClientWideAverage()
    {
        var measured = _endpoints.Create(1);
        var fresh = _endpoints.Create(2);
        fresh.Stats.LatencyEstimate.Should().Be(TimeSpan.FromSeconds(FeedbackConstants.DefaultPriorSeconds));

        _endpoints.Record(measured, TimeSpan.FromMilliseconds(40));

        fresh.Stats.LatencyEstimate.TotalMilliseconds.Should().BeApproximately(40, 1e-6);
    }

    [Fact]
    public void Record_FastFailure_CountsButNeverLowersLatency()
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(10));
        _endpoints.Time.Advance(TimeSpan.FromSeconds(5));

        // A refused connection fails in microseconds: it must not look fast.
        _endpoints.Record(endpoint, TimeSpan.FromMicroseconds(50), failure: true);

        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(10, 1e-9);
        endpoint.Stats.ConsecutiveFailures.Should().Be(1);
        endpoint.Stats.TotalFailures.Should().Be(1);
        endpoint.Stats.TotalRequests.Should().Be(2);
        endpoint.Stats.LastFailure.Should().Be(_endpoints.Time.GetUtcNow());
    }

    [Fact]
    public void Record_SlowFailure_RaisesLatency()
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(10));

        _endpoints.Record(endpoint, TimeSpan.FromSeconds(2), failure: true);

        endpoint.Stats.Latency.Should().Be(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void GetFailurePenalty_DoublesPerConsecutiveFailure_AndResetsOnSuccess()
    {
        var endpoint = _endpoints.Create(1);
        endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp()).Should().Be(1);

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        var one = endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp());
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        var two = endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp());

        one.Should().BeGreaterThan(2, "one consecutive failure doubles, and the failure rate adds");
        two.Should().BeGreaterThan(one * 2 - 0.001);
        for (var i = 0; i < 30; i++)
        {
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        }

        endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp()).Should().Be((1 + FeedbackConstants.FailureRatePenalty) * 1024, "the doubling is capped");

        _endpoints.Time.Advance(TimeSpan.FromMinutes(5));
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1));
        endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp()).Should().BeLessThan(1.01);
    }

    [Fact]
    public void GetFailurePenalty_AnEndpointThatStoppedFailing_ShedsItsRatePenaltyWithinSeconds_EvenWithoutTraffic()
    {
        var endpoint = _endpoints.Create(1);
        RecordFlaky(endpoint, seconds: 5, perSecond: 50, failureEvery: 3); // a third of the requests fail
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(5)); // sound again: one success ends the run
        var sound = endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp());
        sound.Should().BeGreaterThan(3.5, "just after the failures the rate (about 1/3) weighs in full");

        // Hardly any traffic now (it costs four times a sound endpoint): the rate itself barely moves, but the last
        // failure is further behind at every read.
        _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
        var oneSecond = endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp());
        _endpoints.Time.Advance(TimeSpan.FromSeconds(2));
        var threeSeconds = endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp());

        endpoint.Stats.FailureRate.Should().BeGreaterThan(0.3, "the rate is a decayed ratio and does not change without requests");
        oneSecond.Should().BeInRange(1 + ((sound - 1) * 0.33), 1 + ((sound - 1) * 0.4), "the rate part fades as e^(−t ÷ (τ ÷ 10)), 1 s for τ = 10 s");
        threeSeconds.Should().BeLessThan(1.2, "within three seconds of its last failure a sound endpoint competes on latency again");
    }

    [Fact]
    public void GetFailurePenalty_AnEndpointThatKeepsFailing_KeepsPayingItsRate()
    {
        var endpoint = _endpoints.Create(1);
        RecordFlaky(endpoint, seconds: 30, perSecond: 20, failureEvery: 3);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(100));
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(5));

        var penalty = endpoint.Stats.GetFailurePenalty(_endpoints.Time.GetTimestamp());

        penalty.Should().BeGreaterThan(1 + (FeedbackConstants.FailureRatePenalty * endpoint.Stats.FailureRate * 0.85), "a failure every 150 ms keeps the fade near 1");
    }

    private void RecordFlaky(Balancer.Client.Endpoints.BalancerEndpoint endpoint, int seconds, int perSecond, int failureEvery)
    {
        for (var i = 0; i < seconds * perSecond; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1.0 / perSecond));
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(5), failure: i % failureEvery == failureEvery - 1);
        }
    }

    [Fact]
    public void Record_Success_ResetsConsecutiveFailures()
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        endpoint.Stats.ConsecutiveFailures.Should().Be(2);

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1));

        endpoint.Stats.ConsecutiveFailures.Should().Be(0);
        endpoint.Stats.TotalFailures.Should().Be(2);
    }

    [Fact]
    public void FailureRate_IsTheShareOfRecentFailures_AndForgetsOldOnes()
    {
        var endpoint = _endpoints.Create(1);
        for (var i = 0; i < 100; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(10));
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: i % 4 == 0);
        }

        endpoint.Stats.FailureRate.Should().BeApproximately(0.25, 0.02);

        // A minute of successes later, the old failures have decayed away.
        for (var i = 0; i < 60; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1));
        }

        endpoint.Stats.FailureRate.Should().BeLessThan(0.01);
    }

    [Fact]
    public void Record_FromManyThreads_LosesNoCount()
    {
        var endpoint = _endpoints.Create(1);
        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                endpoint.Stats.IncrementInFlight();
                endpoint.Stats.Record(i % 10 == 0, 0.001 * (1 + (i % 7)), _endpoints.Time.GetTimestamp());
                endpoint.Stats.DecrementInFlight();
            }
        });

        endpoint.Stats.TotalRequests.Should().Be(40_000);
        endpoint.Stats.TotalFailures.Should().Be(4_000);
        endpoint.Stats.InFlight.Should().Be(0);
        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(7, 1e-9, "with no time passing the estimate is the peak of the samples");
    }
}
