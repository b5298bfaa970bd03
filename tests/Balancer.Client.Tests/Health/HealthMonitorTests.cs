using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Inspection;
using Balancer.Client.Selection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Tests.Health;

public class HealthMonitorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void GetEligible_AllHealthy_ReturnsTheSnapshotArrayItself()
    {
        var (monitor, set) = Create(4);

        var eligible = monitor.GetEligible(set, Now);

        eligible.Endpoints.Should().BeSameAs(set.Endpoints, "selectors cache per list instance");
        monitor.GetEligible(set, Now).Should().BeSameAs(eligible, "nothing changed, nothing is rebuilt");
    }

    [Fact]
    public void OnAttemptCompleted_FiveConsecutiveFailures_EjectsForTheBaseTime()
    {
        var (monitor, set) = Create(4);
        var bad = set.Endpoints[1];

        Fail(monitor, set, bad, 4);
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(bad, "four failures are not enough");
        Fail(monitor, set, bad, 1);

        monitor.GetEligible(set, Now).Endpoints.Should().HaveCount(3).And.NotContain(bad);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(29));
        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(bad);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(bad, "the 30 s ejection is over");
    }

    [Fact]
    public void OnAttemptCompleted_RepeatedEjections_GrowAndAreCapped()
    {
        var (monitor, set) = Create(4, o => o.OutlierDetection.MaxEjectionTime = TimeSpan.FromSeconds(75));
        var bad = set.Endpoints[0];
        var durations = new List<double>();

        for (var round = 0; round < 4; round++)
        {
            Fail(monitor, set, bad, 5);
            var start = _endpoints.Time.GetUtcNow();
            while (!monitor.GetEligible(set, Now).Endpoints.Contains(bad))
            {
                _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
            }

            durations.Add((_endpoints.Time.GetUtcNow() - start).TotalSeconds);
        }

        durations.Should().Equal(30, 60, 75, 75);
    }

    [Fact]
    public void OnAttemptCompleted_HealthyAfterEjection_MultiplierDecays()
    {
        var (monitor, set) = Create(4);
        var bad = set.Endpoints[0];
        Fail(monitor, set, bad, 5);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(30));
        monitor.GetEligible(set, Now);

        // Healthy for two base ejection times: the next ejection is a first one again.
        Succeed(monitor, set, bad);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(60));
        Fail(monitor, set, bad, 5);

        bad.Health.EjectionCount.Should().Be(1);
    }

    [Fact]
    public void OnAttemptCompleted_NeverEjectsMoreThanTheMaximumShare()
    {
        var (monitor, set) = Create(5);
        foreach (var endpoint in set.Endpoints)
        {
            Fail(monitor, set, endpoint, 10);
        }

        set.Endpoints.Count(e => e.Health.IsEjected(Now)).Should().Be(2, "50% of 5 endpoints, rounded down");
    }

    [Fact]
    public void OnAttemptCompleted_HighFailureRateWithVolume_Ejects()
    {
        var (monitor, set) = Create(4, o => o.OutlierDetection.ConsecutiveFailures = 0);
        var flaky = set.Endpoints[2];

        for (var i = 0; i < 40; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(10));
            if (i % 3 == 0)
            {
                Succeed(monitor, set, flaky);
            }
            else
            {
                Fail(monitor, set, flaky, 1);
            }
        }

        flaky.Health.IsEjected(Now).Should().BeTrue();
    }

    [Fact]
    public void OnAttemptCompleted_RetryAfter_CoolsDownForThatTime()
    {
        var (monitor, set) = Create(4);
        var limited = set.Endpoints[3];
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));

        monitor.OnAttemptCompleted(limited, set, failure: true, response, Now);

        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(limited);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(6.9));
        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(limited);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(0.1));
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(limited);
    }

    [Fact]
    public void OnAttemptCompleted_RetryAfterDate_IsHonoredAndCapped()
    {
        var (monitor, set) = Create(2, o => o.MaxCooldown = TimeSpan.FromSeconds(20));
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(_endpoints.Time.GetUtcNow().AddHours(1));

        monitor.OnAttemptCompleted(set.Endpoints[0], set, failure: true, response, Now);

        _endpoints.Time.Advance(TimeSpan.FromSeconds(19));
        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(set.Endpoints[0]);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(1));
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(set.Endpoints[0]);
    }

    [Fact]
    public void GetEligible_BelowPanicThreshold_UsesAllEndpoints_OrNoneWhenFailingFast()
    {
        var (monitor, set) = Create(4);
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));
        foreach (var endpoint in set.Endpoints.Take(3))
        {
            monitor.OnAttemptCompleted(endpoint, set, failure: true, response, Now);
        }

        var eligible = monitor.GetEligible(set, Now);
        eligible.Panic.Should().BeTrue();
        eligible.Endpoints.Should().BeSameAs(set.Endpoints);

        monitor.Options = new HealthOptions { FailFastInPanic = true };
        monitor.GetEligible(set, Now).Endpoints.Should().BeEmpty();
    }

    [Fact]
    public void SlowStartFactor_AfterEjection_RampsFromMinimumToFull()
    {
        var (monitor, set) = Create(4);
        var endpoint = set.Endpoints[0];
        Fail(monitor, set, endpoint, 5);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(30));
        monitor.GetEligible(set, Now);

        monitor.SlowStartFactor(endpoint, Now).Should().BeApproximately(0.1, 1e-9);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(15));
        monitor.SlowStartFactor(endpoint, Now).Should().BeApproximately(0.55, 1e-9);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(15));
        monitor.SlowStartFactor(endpoint, Now).Should().Be(1);
        monitor.SlowStartFactor(set.Endpoints[1], Now).Should().Be(1);
    }

    [Fact]
    public void OnCheck_ActiveChecks_NewEndpointEligibleUntilItsFirstResult()
    {
        var (monitor, set) = Create(3, o =>
        {
            o.ActiveChecks.Enabled = true;
            o.PanicThreshold = 0;
        });

        monitor.GetEligible(set, Now).Endpoints.Should().Equal(set.Endpoints, "not checked yet is not failing");
        monitor.IsPanicking(set, Now).Should().BeFalse();
        monitor.GetStatus(set.Endpoints[2], Now).Should().Be(EndpointHealthStatus.Healthy);
        monitor.OnCheck(set.Endpoints[0], success: true);
        monitor.OnCheck(set.Endpoints[1], success: false);
        monitor.OnCheck(set.Endpoints[2], success: false);

        monitor.GetEligible(set, Now).Endpoints.Should().Equal(set.Endpoints[0]);
        monitor.GetStatus(set.Endpoints[2], Now).Should().Be(EndpointHealthStatus.FailingHealthChecks);

        // Healthy -> unhealthy takes two failed checks (UnhealthyThreshold); one success brings it back.
        monitor.OnCheck(set.Endpoints[0], success: false);
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(set.Endpoints[0]);
        monitor.OnCheck(set.Endpoints[0], success: false);
        monitor.GetEligible(set, Now).Endpoints.Should().BeEmpty();
        monitor.OnCheck(set.Endpoints[0], success: true);
        monitor.GetEligible(set, Now).Endpoints.Should().Equal(set.Endpoints[0]);
    }

    [Fact]
    public void OnAttemptCompleted_ConnectionRefused_TakesTheEndpointOutAtOnce_UntilReconnected()
    {
        var (monitor, set) = Create(5);
        var dead = set.Endpoints[2];
        var watched = new List<BalancerEndpoint>();
        monitor.Unreachable = watched.Add;

        for (var i = 0; i < 8; i++)
        {
            Refuse(monitor, set, dead); // the first, then those of the attempts under way
        }

        monitor.GetEligible(set, Now).Endpoints.Should().HaveCount(4).And.NotContain(dead, "one refused connection is enough");
        dead.Health.IsEjected(Now).Should().BeFalse("refusals while out do not pile up into an ejection that would outlast the reconnect");
        watched.Should().Equal([dead], "the reconnect checks start once");
        monitor.GetStatus(dead, Now).Should().Be(EndpointHealthStatus.Unreachable);
        _endpoints.Time.Advance(TimeSpan.FromMinutes(10));
        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(dead, "only a reconnect check brings it back, not time");
        monitor.DescribeUnavailable(set, Now).Should().StartWith("1 unreachable after a connection failure");
    }

    [Fact]
    public void OnReconnected_ReturnsThroughTheShortRamp_WithItsFailuresForgotten()
    {
        var (monitor, set) = Create(5);
        var dead = set.Endpoints[0];
        Refuse(monitor, set, dead);
        FailurePenalty.Of(dead.Stats, Now).Should().BeGreaterThan(1);

        monitor.OnReconnected(dead, Now);

        monitor.GetEligible(set, Now).Endpoints.Should().Contain(dead);
        FailurePenalty.Of(dead.Stats, Now).Should().Be(1, "the failures of the process that went away no longer price it out");
        dead.Stats.Latency.Should().BeNull("it starts from the neutral prior");
        monitor.SlowStartFactor(dead, Now).Should().BeApproximately(0.1, 1e-9);
        _endpoints.Time.Advance(TimeSpan.FromSeconds(2.5));
        monitor.SlowStartFactor(dead, Now).Should().BeApproximately(0.55, 1e-9, "the reconnect ramp is 5 s, not the 30 s slow-start window");
        _endpoints.Time.Advance(TimeSpan.FromSeconds(2.5));
        monitor.SlowStartFactor(dead, Now).Should().Be(1);
    }

    [Fact]
    public void OnAttemptCompleted_OtherTransportFailure_AsksForAConnectCheck_WithoutTakingTheEndpointOut()
    {
        var (monitor, set) = Create(4);
        var suspect = new List<BalancerEndpoint>();
        monitor.Suspect = suspect.Add;
        var reset = new HttpRequestException(HttpRequestError.ResponseEnded, "reset", new IOException("reset"));

        _endpoints.Record(set.Endpoints[1], TimeSpan.FromMilliseconds(1), failure: true);
        monitor.OnAttemptCompleted(set.Endpoints[1], set, failure: true, null, Now, reset);
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(set.Endpoints[1]);
        suspect.Should().Equal([set.Endpoints[1]]);

        monitor.OnConnectFailed(set.Endpoints[1], set, Now);
        monitor.GetEligible(set, Now).Endpoints.Should().NotContain(set.Endpoints[1], "the check's connect was refused");
    }

    [Fact]
    public void OnAttemptCompleted_EveryEndpointRefuses_NoMoreThanMaxEjectionPercentGoOut()
    {
        var (monitor, set) = Create(5);

        foreach (var endpoint in set.Endpoints)
        {
            Refuse(monitor, set, endpoint);
        }

        set.Endpoints.Count(e => e.Health.IsUnreachable).Should().Be(2, "floor(0.5 × 5)");
        var eligible = monitor.GetEligible(set, Now);
        eligible.Endpoints.Should().HaveCount(3);
        eligible.Panic.Should().BeFalse();
    }

    [Fact]
    public void OnAttemptCompleted_CapCountsEveryReasonToBeOut_CoolingDownLeavesNoRoomForMore()
    {
        var (monitor, set) = Create(4);
        foreach (var limited in set.Endpoints.Take(2))
        {
            using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(60));
            monitor.OnAttemptCompleted(limited, set, failure: true, response, Now);
        }

        Refuse(monitor, set, set.Endpoints[2]);
        Fail(monitor, set, set.Endpoints[3], 10);

        set.Endpoints[2].Health.IsUnreachable.Should().BeFalse("two of four are out already (cooling down)");
        set.Endpoints[3].Health.IsEjected(Now).Should().BeFalse("the same cap holds for ejections");
        monitor.GetEligible(set, Now).Endpoints.Should().Equal(set.Endpoints[2], set.Endpoints[3]);
    }

    [Fact]
    public void GetEligible_AllUnreachableWithoutCap_Panics_AndBalancesAcrossAll()
    {
        var (monitor, set) = Create(3, o => o.OutlierDetection.MaxEjectionPercent = 1);
        foreach (var endpoint in set.Endpoints)
        {
            Refuse(monitor, set, endpoint);
        }

        var eligible = monitor.GetEligible(set, Now);
        eligible.Panic.Should().BeTrue();
        eligible.Endpoints.Should().HaveCount(3, "in panic the client still tries, so the error reaches the caller");
        monitor.IsPanicking(set, Now).Should().BeTrue();
    }

    [Fact]
    public void OnAttemptCompleted_ConnectionFailuresOff_RefusalsOnlyCountForOutlierDetection()
    {
        var (monitor, set) = Create(4, o => o.ConnectionFailure.Enabled = false);
        var dead = set.Endpoints[0];

        Refuse(monitor, set, dead);
        monitor.GetEligible(set, Now).Endpoints.Should().Contain(dead);
        for (var i = 0; i < 4; i++)
        {
            Refuse(monitor, set, dead);
        }

        dead.Health.IsEjected(Now).Should().BeTrue("five failures in a row");
    }

    [Fact]
    public void OnAttemptCompleted_TooManyRequests_IsBackPressure_NeverEjects_NorCountsInARun()
    {
        var (monitor, set) = Create(4);
        var throttling = set.Endpoints[0];
        using var tooMany = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        using var error = new HttpResponseMessage(HttpStatusCode.InternalServerError);

        for (var i = 0; i < 30; i++)
        {
            _endpoints.Time.Advance(TimeSpan.FromMilliseconds(10));
            Respond(monitor, set, throttling, tooMany);
        }

        throttling.Health.IsEjected(Now).Should().BeFalse("neither five in a row nor a 100 % rate of 429s ejects");
        FailurePenalty.Of(throttling.Stats, Now).Should().BeGreaterThan(1, "the selectors still shift load away from it");

        // Four 500s after the 429s: the run of failures for ejection is four, not 34.
        for (var i = 0; i < 4; i++)
        {
            Respond(monitor, set, throttling, error);
        }

        throttling.Health.IsEjected(Now).Should().BeFalse();
        Respond(monitor, set, throttling, error);
        throttling.Health.IsEjected(Now).Should().BeTrue("the fifth 500 in a row");
    }

    private long Now => _endpoints.Time.GetTimestamp();

    private (HealthMonitor Monitor, EndpointSet Set) Create(int count, Action<HealthOptions>? configure = null)
    {
        var options = new HealthOptions();
        configure?.Invoke(options);
        var monitor = new HealthMonitor("catalog", _endpoints.Settings, new BalancerMetrics(null), NullLogger.Instance) { Options = options };
        var set = new EndpointSet(Enumerable.Range(0, count).Select(i => _endpoints.Create(7000 + i)).ToArray(), 1);
        return (monitor, set);
    }

    private void Fail(HealthMonitor monitor, EndpointSet set, BalancerEndpoint endpoint, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
            monitor.OnAttemptCompleted(endpoint, set, failure: true, null, Now);
        }
    }

    private void Refuse(HealthMonitor monitor, EndpointSet set, BalancerEndpoint endpoint)
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused", new SocketException((int)SocketError.ConnectionRefused));
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1), failure: true);
        monitor.OnAttemptCompleted(endpoint, set, failure: true, null, Now, refused);
    }

    private void Respond(HealthMonitor monitor, EndpointSet set, BalancerEndpoint endpoint, HttpResponseMessage response)
    {
        endpoint.Stats.Record(true, 0.001, Now, backPressure: response.StatusCode == HttpStatusCode.TooManyRequests);
        monitor.OnAttemptCompleted(endpoint, set, failure: true, response, Now);
    }

    private void Succeed(HealthMonitor monitor, EndpointSet set, BalancerEndpoint endpoint)
    {
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1));
        monitor.OnAttemptCompleted(endpoint, set, failure: false, null, Now);
    }
}
