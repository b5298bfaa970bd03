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
    public void Seed_NoSampleYet_BecomesTheEstimate_AndTheEndpointsOwnSamplesTakeOver()
    {
        var endpoint = _endpoints.Create(1);
        var measured = _endpoints.Create(2);

        endpoint.Stats.Seed(TimeSpan.FromMilliseconds(40)).Should().BeTrue();
        _endpoints.Record(measured, TimeSpan.FromMilliseconds(40));

        endpoint.Stats.Latency.Should().BeCloseTo(TimeSpan.FromMilliseconds(40), TimeSpan.FromMicroseconds(1));
        endpoint.Stats.LatencyEstimate.Should().BeCloseTo(TimeSpan.FromMilliseconds(40), TimeSpan.FromMicroseconds(1));
        endpoint.Stats.HasMeanLatency.Should().BeTrue("the selectors that compare the mean see the seed too");
        endpoint.Stats.MeanLatency.Should().BeCloseTo(TimeSpan.FromMilliseconds(40), TimeSpan.FromMicroseconds(1));
        measured.Stats.MeanLatency.Should().BeNull("a first answer is the connection's warm-up, not part of the mean");
        endpoint.Stats.TotalRequests.Should().Be(0, "a seed is not a request");
        endpoint.Stats.Seed(TimeSpan.FromMilliseconds(5)).Should().BeFalse("an endpoint is seeded once");

        for (var i = 0; i < 50; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(100));
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(4));
            _endpoints.Record(measured, TimeSpan.FromMilliseconds(4));
        }

        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(measured.Stats.Latency!.Value.TotalMilliseconds, 1e-6, "the seed fades as a sample of 40 ms does");
        endpoint.Stats.GetMeanLatency(_endpoints.Time.GetTimestamp()).Should().BeLessThan(0.010, "the mean follows the last few samples");
    }

    [Fact]
    public void Seed_AfterASample_IsIgnored_AndBadValuesAreRefused()
    {
        var endpoint = _endpoints.Create(1);
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(7));

        endpoint.Stats.Seed(TimeSpan.FromMilliseconds(300)).Should().BeFalse();

        endpoint.Stats.Latency!.Value.TotalMilliseconds.Should().BeApproximately(7, 1e-6);
        var act = () => endpoint.Stats.Seed(TimeSpan.Zero);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("latency");
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
