using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class FailurePenaltyTests
{
    private readonly TestEndpoints _endpoints = new(decay: TimeSpan.FromSeconds(10));

    [Fact]
    public void Of_NothingHeardForTau_IsOne()
    {
        var endpoint = _endpoints.Create(1);
        for (var i = 0; i < 6; i++)
        {
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        }

        FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp()).Should().BeGreaterThan(64);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(10));
        FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp()).Should().Be(1, "a failing endpoint not heard of for τ gets probed again");
    }

    [Fact]
    public void Of_DoublesPerConsecutiveFailure_AndResetsOnSuccess()
    {
        var endpoint = _endpoints.Create(1);
        FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp()).Should().Be(1);

        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        var one = FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp());
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        var two = FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp());

        one.Should().BeGreaterThan(2, "one consecutive failure doubles, and the failure rate adds");
        two.Should().BeGreaterThan(one * 2 - 0.001);
        for (var i = 0; i < 30; i++)
        {
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        }

        FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp()).Should().Be((1 + SelectionConstants.FailureRatePenalty) * 1024, "the doubling is capped");

        _endpoints.Time.Advance(TimeSpan.FromMinutes(5));
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1));
        FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp()).Should().BeLessThan(1.01);
    }

    [Fact]
    public void Of_AnEndpointThatStoppedFailing_ShedsItsRatePenaltyWithinSeconds_EvenWithoutTraffic()
    {
        var endpoint = _endpoints.Create(1);
        RecordFlaky(endpoint, seconds: 5, perSecond: 50, failureEvery: 3); // a third of the requests fail
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(5)); // sound again: one success ends the run
        var sound = FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp());
        sound.Should().BeGreaterThan(3.5, "just after the failures the rate (about 1/3) weighs in full");

        // Hardly any traffic now (it costs four times a sound endpoint): the rate itself barely moves, but the last
        // failure is further behind at every read.
        _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
        var oneSecond = FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp());
        _endpoints.Time.Advance(TimeSpan.FromSeconds(2));
        var threeSeconds = FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp());

        endpoint.Stats.FailureRate.Should().BeGreaterThan(0.3, "the rate is a decayed ratio and does not change without requests");
        oneSecond.Should().BeInRange(1 + ((sound - 1) * 0.33), 1 + ((sound - 1) * 0.4), "the rate part fades as e^(−t ÷ (τ ÷ 10)), 1 s for τ = 10 s");
        threeSeconds.Should().BeLessThan(1.2, "within three seconds of its last failure a sound endpoint competes on latency again");
    }

    [Fact]
    public void Of_AnEndpointThatKeepsFailing_KeepsPayingItsRate()
    {
        var endpoint = _endpoints.Create(1);
        RecordFlaky(endpoint, seconds: 30, perSecond: 20, failureEvery: 3);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(100));
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(5));

        var penalty = FailurePenalty.Of(endpoint.Stats, _endpoints.Time.GetTimestamp());

        penalty.Should().BeGreaterThan(1 + (SelectionConstants.FailureRatePenalty * endpoint.Stats.FailureRate * 0.85), "a failure every 150 ms keeps the fade near 1");
    }

    [Fact]
    public void Doubling_OfANetworkPathThatKeepsFailing_IsCapped()
    {
        var stats = new NetworkStats();
        for (var i = 0; i < 40; i++)
        {
            stats.RecordFailure();
        }

        FailurePenalty.Doubling(stats.ConsecutiveFailures).Should().Be(1024);
    }

    private void RecordFlaky(BalancerEndpoint endpoint, int seconds, int perSecond, int failureEvery)
    {
        for (var i = 0; i < seconds * perSecond; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromSeconds(1.0 / perSecond));
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(5), failure: i % failureEvery == failureEvery - 1);
        }
    }
}
