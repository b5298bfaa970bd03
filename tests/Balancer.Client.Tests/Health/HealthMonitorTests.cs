using System.Net;
using System.Net.Http.Headers;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;
using Balancer.Client.Inspection;
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

        bad.Stats.Health.EjectionCount.Should().Be(1);
    }

    [Fact]
    public void OnAttemptCompleted_NeverEjectsMoreThanTheMaximumShare()
    {
        var (monitor, set) = Create(5);
        foreach (var endpoint in set.Endpoints)
        {
            Fail(monitor, set, endpoint, 10);
        }

        set.Endpoints.Count(e => e.Stats.Health.IsEjected(Now)).Should().Be(2, "50% of 5 endpoints, rounded down");
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

        flaky.Stats.Health.IsEjected(Now).Should().BeTrue();
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

    private void Succeed(HealthMonitor monitor, EndpointSet set, BalancerEndpoint endpoint)
    {
        _endpoints.Record(endpoint, TimeSpan.FromMilliseconds(1));
        monitor.OnAttemptCompleted(endpoint, set, failure: false, null, Now);
    }
}
