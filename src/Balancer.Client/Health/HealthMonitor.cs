using System.Net;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Inspection;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Health;

/// <summary>
/// Decides which endpoints of a client may receive traffic: passive outlier detection (ejection with growing time),
/// cool-down after <c>Retry-After</c>, active check state, connection failures (out until a reconnect check
/// succeeds), one cap on the share out for any of these reasons, the panic threshold, and the slow-start factor.
/// Eligibility is computed off the hot path and cached; a pick only compares a version and a time.
/// </summary>
internal sealed class HealthMonitor(string clientName, ClientStats settings, BalancerMetrics metrics, ILogger logger, Func<EndpointSet>? currentSet = null) : IOutcomeListener
{
    private readonly object _ejectionLock = new();
    private HealthOptions _options = new();
    private EligibleEndpoints? _eligible;
    private long _version;
    private bool _wasPanicking;

    public HealthOptions Options
    {
        get => Volatile.Read(ref _options);
        set
        {
            Volatile.Write(ref _options, value);
            Invalidate();
        }
    }

    /// <summary>Called with an endpoint that a connection failure just took out, to start its reconnect checks.</summary>
    public Action<BalancerEndpoint>? Unreachable { get; set; }

    /// <summary>
    /// Called with an endpoint whose attempt ended in another transport failure (reset, connection closed, no
    /// answer), to check out of band at once whether it still accepts connections.
    /// </summary>
    public Action<BalancerEndpoint>? Suspect { get; set; }

    /// <summary>Makes the next pick compute eligibility again.</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    public EligibleEndpoints GetEligible(EndpointSet set, long now)
    {
        var cached = Volatile.Read(ref _eligible);
        if (cached is not null && ReferenceEquals(cached.Source, set) && cached.Version == Volatile.Read(ref _version) && now < cached.ValidUntil)
        {
            return cached;
        }

        var built = Compute(set, now);
        Volatile.Write(ref _eligible, built);
        return built;
    }

    /// <summary>The share of its normal traffic <paramref name="endpoint"/> gets now (slow start), 1 outside slow start.</summary>
    public double SlowStartFactor(BalancerEndpoint endpoint, long now)
    {
        var slowStart = Options.SlowStart;
        return endpoint.Health.SlowStartFactor(now, ToTimestamp(slowStart.Window), slowStart.MinWeightPercent);
    }

    public void StartSlowStart(BalancerEndpoint endpoint, long now)
    {
        if (Options.SlowStart.Window > TimeSpan.Zero)
        {
            endpoint.Health.StartSlowStart(now);
        }
    }

    /// <summary>The client's outcome listener: <see cref="OnAttemptCompleted"/> with the client's current set.</summary>
    void IOutcomeListener.OnOutcome(BalancerEndpoint endpoint, bool failure, HttpResponseMessage? response, Exception? exception, bool backPressure, long timestamp)
    {
        if (currentSet?.Invoke() is { } set)
        {
            OnAttemptCompleted(endpoint, set, failure, response, timestamp, exception, backPressure);
        }
    }

    /// <summary>
    /// Reacts to a completed attempt on an endpoint of <paramref name="set"/> (after its statistics were recorded):
    /// cool-down, connection failure, ejection. A 429 (or a transport's own back-pressure signal,
    /// <paramref name="backPressure"/>) may start a cool-down, never an ejection.
    /// </summary>
    public void OnAttemptCompleted(BalancerEndpoint endpoint, EndpointSet set, bool failure, HttpResponseMessage? response, long now, Exception? exception = null, bool backPressure = false)
    {
        var options = Options;
        if (response is not null && options.HonorRetryAfter && response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
        {
            ApplyRetryAfter(endpoint, response, options, now);
        }

        if (!failure)
        {
            return;
        }

        var health = endpoint.Health;
        if (options.ConnectionFailure.Enabled && exception is not null)
        {
            if (ConnectionFailure.IsConnectionFailure(exception))
            {
                // Already out: the refusals of attempts that were under way must not pile up into an ejection that
                // would outlast the reconnect.
                if (health.IsUnreachable || TryMarkUnreachable(endpoint, set, options, now))
                {
                    return;
                }
            }
            else if (response is null && exception is HttpRequestException && !health.IsUnreachable)
            {
                // A reset or a closed connection: a crashed process shows first like this, to the requests it held.
                // A connect now tells a dead endpoint (refused: out at once) from a request that failed alone.
                Notify(Suspect, endpoint);
            }
        }

        var outlier = options.OutlierDetection;
        if (!outlier.Enabled || backPressure || response?.StatusCode == HttpStatusCode.TooManyRequests || health.IsEjected(now))
        {
            return;
        }

        var stats = endpoint.Stats;
        string? reason = null;
        if (outlier.ConsecutiveFailures > 0 && stats.ConsecutiveOutlierFailures >= outlier.ConsecutiveFailures)
        {
            reason = $"{stats.ConsecutiveOutlierFailures} consecutive failures";
        }
        else if (outlier.FailureRateThreshold > 0 && stats.DecayedRequests >= outlier.MinimumRequestVolume && stats.OutlierFailureRate >= outlier.FailureRateThreshold)
        {
            reason = $"failure rate {stats.OutlierFailureRate:P0} over {stats.DecayedRequests:F0} recent requests";
        }

        if (reason is not null)
        {
            TryEject(endpoint, set, outlier, reason, now);
        }
    }

    /// <summary>
    /// A reconnect check reached an endpoint that was unreachable: it returns through slow start over
    /// <see cref="ConnectionFailureOptions.SlowStartWindow"/>, its failure record cleared so the selectors do not keep
    /// pricing it out for failures of the process that is gone.
    /// </summary>
    public void OnReconnected(BalancerEndpoint endpoint, long now)
    {
        var health = endpoint.Health;
        var since = health.UnreachableSince;
        if (!health.TryMarkReachable())
        {
            return;
        }

        endpoint.Stats.ResetFailures();
        var window = Options.ConnectionFailure.SlowStartWindow;
        if (window > TimeSpan.Zero)
        {
            health.StartSlowStart(now, Math.Max(1, ToTimestamp(window)));
        }

        Log.EndpointReconnected(logger, clientName, endpoint.Key, TimeSpan.FromSeconds(settings.ToSeconds(Math.Max(0, now - since))));
        Invalidate();
    }

    /// <summary>A connect out of band (after another transport failure) failed: the endpoint is out as after a refused attempt.</summary>
    public void OnConnectFailed(BalancerEndpoint endpoint, EndpointSet set, long now)
    {
        var options = Options;
        if (options.ConnectionFailure.Enabled && !endpoint.Health.IsUnreachable && Contains(set, endpoint))
        {
            TryMarkUnreachable(endpoint, set, options, now);
        }
    }

    /// <summary>Forgets every connection failure (connection failures were switched off): the endpoints are judged by the other rules alone.</summary>
    public void ClearUnreachable(EndpointSet set)
    {
        foreach (var endpoint in set.Endpoints)
        {
            endpoint.Health.TryMarkReachable();
        }

        Invalidate();
    }

    /// <summary>
    /// Whether <paramref name="health"/> keeps its endpoint out at <paramref name="now"/>, for any reason: ejected,
    /// cooling down, failing active checks, unreachable. The one definition that eligibility, panic, the cap on the
    /// share out and inspection share.
    /// </summary>
    private static bool IsOut(EndpointHealth health, HealthOptions options, long now) =>
        health.IsEjected(now)
        || health.IsCoolingDown(now)
        || (options.ActiveChecks.Enabled && health.ActiveState == ActiveHealth.Unhealthy)
        || (options.ConnectionFailure.Enabled && health.IsUnreachable);

    /// <summary>Whether one more endpoint of <paramref name="set"/> may be taken out within <see cref="OutlierDetectionOptions.MaxEjectionPercent"/>. Under the ejection lock.</summary>
    private static bool HasRoomToTakeOut(EndpointSet set, HealthOptions options, long now)
    {
        var all = set.Endpoints;
        var outNow = 0;
        foreach (var e in all)
        {
            if (IsOut(e.Health, options, now))
            {
                outNow++;
            }
        }

        return outNow + 1 <= (int)Math.Floor(options.OutlierDetection.MaxEjectionPercent * all.Length);
    }

    private bool TryMarkUnreachable(BalancerEndpoint endpoint, EndpointSet set, HealthOptions options, long now)
    {
        lock (_ejectionLock)
        {
            if (!HasRoomToTakeOut(set, options, now) || !endpoint.Health.TryMarkUnreachable(now))
            {
                return false;
            }
        }

        Log.EndpointUnreachable(logger, clientName, endpoint.Key);
        Invalidate();
        Notify(Unreachable, endpoint);
        return true;
    }

    private static bool Contains(EndpointSet set, BalancerEndpoint endpoint)
    {
        foreach (var e in set.Endpoints)
        {
            if (ReferenceEquals(e.Stats, endpoint.Stats))
            {
                return true;
            }
        }

        return false;
    }

    private void Notify(Action<BalancerEndpoint>? callback, BalancerEndpoint endpoint)
    {
        try
        {
            callback?.Invoke(endpoint);
        }
        catch (Exception exception)
        {
            // Never lose the request over it.
            Log.ObserverFailed(logger, exception, clientName, callback!.Method.Name);
        }
    }

    /// <summary>Records an active health check result.</summary>
    public void OnCheck(BalancerEndpoint endpoint, bool success)
    {
        var checks = Options.ActiveChecks;
        if (endpoint.Health.RecordCheck(success, checks.HealthyThreshold, checks.UnhealthyThreshold))
        {
            Log.ActiveHealthChanged(logger, clientName, endpoint.Key, success ? "healthy" : "unhealthy");
            Invalidate();
        }
    }

    /// <summary>
    /// The endpoints of <paramref name="set"/> out on the client's own evidence at <paramref name="now"/>: ejected (with
    /// the end), unreachable or failing active checks (end 0: until a check succeeds). Cooling down is back-pressure, not a verdict.
    /// </summary>
    public List<(BalancerEndpoint Endpoint, string Reason, long Until)> GetVerdicts(EndpointSet set, long now)
    {
        var verdicts = new List<(BalancerEndpoint, string, long)>();
        foreach (var endpoint in set.Endpoints)
        {
            switch (GetStatus(endpoint, now))
            {
                case EndpointHealthStatus.Unreachable:
                    verdicts.Add((endpoint, "unreachable", 0));
                    break;
                case EndpointHealthStatus.Ejected:
                    verdicts.Add((endpoint, "ejected", endpoint.Health.EjectedUntil));
                    break;
                case EndpointHealthStatus.FailingHealthChecks:
                    verdicts.Add((endpoint, "failing health checks", 0));
                    break;
            }
        }

        return verdicts;
    }

    /// <summary>
    /// Ejects <paramref name="endpoint"/> on evidence from outside the client (a fleet's quorum) for
    /// <paramref name="duration"/> (at most <see cref="OutlierDetectionOptions.MaxEjectionTime"/>), within
    /// <see cref="OutlierDetectionOptions.MaxEjectionPercent"/> as any ejection; false when outlier detection is off,
    /// the endpoint is out already or there is no room. The ejection count does not grow: outside evidence does not
    /// lengthen the client's own next ejection.
    /// </summary>
    public bool EjectOnOutsideEvidence(BalancerEndpoint endpoint, EndpointSet set, TimeSpan duration, string reason, long now)
    {
        var options = Options;
        if (!options.OutlierDetection.Enabled || duration <= TimeSpan.Zero)
        {
            return false;
        }

        lock (_ejectionLock)
        {
            var health = endpoint.Health;
            if (IsOut(health, options, now) || !HasRoomToTakeOut(set, options, now))
            {
                return false;
            }

            var length = Math.Min(ToTimestamp(duration), ToTimestamp(options.OutlierDetection.MaxEjectionTime));
            if (!health.TryEject(now, now + length, Math.Max(1, health.EjectionCount)))
            {
                return false;
            }

            Log.EndpointEjected(logger, clientName, endpoint.Key, reason, TimeSpan.FromSeconds(settings.ToSeconds(length)), health.EjectionCount);
            metrics.Ejected(clientName, settings.EndpointMetricTags ? endpoint : null);
            Invalidate();
            return true;
        }
    }

    private void TryEject(BalancerEndpoint endpoint, EndpointSet set, OutlierDetectionOptions outlier, string reason, long now)
    {
        lock (_ejectionLock)
        {
            if (!HasRoomToTakeOut(set, Options, now))
            {
                return;
            }

            var health = endpoint.Health;
            var baseTime = ToTimestamp(outlier.BaseEjectionTime);
            var count = health.NextEjectionCount(now, baseTime);
            var duration = Math.Min(baseTime * count, ToTimestamp(outlier.MaxEjectionTime));
            if (health.TryEject(now, now + duration, count))
            {
                Log.EndpointEjected(logger, clientName, endpoint.Key, reason, TimeSpan.FromSeconds(settings.ToSeconds(duration)), count);
                metrics.Ejected(clientName, settings.EndpointMetricTags ? endpoint : null);
                Invalidate();
            }
        }
    }

    private void ApplyRetryAfter(BalancerEndpoint endpoint, HttpResponseMessage response, HealthOptions options, long now)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter is null)
        {
            return;
        }

        var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - settings.TimeProvider.GetUtcNow() : TimeSpan.Zero);
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        if (delay > options.MaxCooldown)
        {
            delay = options.MaxCooldown;
        }

        if (endpoint.Health.CoolDownUntil(now + ToTimestamp(delay)))
        {
            Log.EndpointCoolingDown(logger, clientName, endpoint.Key, (int)response.StatusCode, delay);
            Invalidate();
        }
    }

    private EligibleEndpoints Compute(EndpointSet set, long now)
    {
        var options = Options;
        var version = Volatile.Read(ref _version);
        var all = set.Endpoints;
        var validUntil = long.MaxValue;
        List<BalancerEndpoint>? eligible = null;
        for (var i = 0; i < all.Length; i++)
        {
            var health = all[i].Health;
            if (health.TryEndEjection(now))
            {
                Log.EndpointReturned(logger, clientName, all[i].Key);
            }

            var ejectedUntil = health.EjectedUntil;
            var cooldownUntil = health.CooldownUntil;
            var ok = !IsOut(health, options, now);
            if (ejectedUntil != 0 && now < ejectedUntil)
            {
                validUntil = Math.Min(validUntil, ejectedUntil);
            }

            if (now < cooldownUntil)
            {
                validUntil = Math.Min(validUntil, cooldownUntil);
            }

            if (!ok && eligible is null)
            {
                eligible = new List<BalancerEndpoint>(all.Length);
                for (var j = 0; j < i; j++)
                {
                    eligible.Add(all[j]);
                }
            }
            else if (ok)
            {
                eligible?.Add(all[i]);
            }
        }

        if (set.HasPriorityTiers && ChooseTier(all, eligible, options.PanicThreshold) is { } tier)
        {
            _wasPanicking = false;
            return new EligibleEndpoints(set, version, validUntil, tier, panic: false);
        }

        var count = eligible?.Count ?? all.Length;
        var panic = all.Length > 0 && count < options.PanicThreshold * all.Length;
        if (panic != _wasPanicking)
        {
            _wasPanicking = panic;
            if (panic)
            {
                Log.Panic(logger, clientName, count, all.Length, options.FailFastInPanic ? "failing fast" : "balancing across all endpoints");
            }
        }

        var endpoints = panic
            ? (options.FailFastInPanic ? [] : all)
            : eligible is null ? all : [.. eligible];
        return new EligibleEndpoints(set, version, validUntil, endpoints, panic);
    }

    /// <summary>
    /// The eligible endpoints of the most preferred priority tier that has enough of them (at least the panic threshold's
    /// share of the tier); <see langword="null"/> when no tier has, so the whole set is judged (and may panic) as one.
    /// </summary>
    private static BalancerEndpoint[]? ChooseTier(BalancerEndpoint[] all, List<BalancerEndpoint>? eligible, double threshold)
    {
        IReadOnlyList<BalancerEndpoint> ok = eligible ?? (IReadOnlyList<BalancerEndpoint>)all;
        foreach (var priority in all.Select(e => e.Priority).Distinct().Order())
        {
            var total = all.Count(e => e.Priority == priority);
            var inTier = ok.Where(e => e.Priority == priority).ToArray();
            if (inTier.Length > 0 && inTier.Length >= threshold * total)
            {
                return inTier;
            }
        }

        return null;
    }

    /// <summary>The health of <paramref name="endpoint"/> at <paramref name="now"/>, for inspection (changes nothing).</summary>
    public EndpointHealthStatus GetStatus(BalancerEndpoint endpoint, long now)
    {
        var health = endpoint.Health;
        if (Options.ConnectionFailure.Enabled && health.IsUnreachable)
        {
            return EndpointHealthStatus.Unreachable;
        }

        if (health.IsEjected(now))
        {
            return EndpointHealthStatus.Ejected;
        }

        if (health.IsCoolingDown(now))
        {
            return EndpointHealthStatus.CoolingDown;
        }

        if (Options.ActiveChecks.Enabled && health.ActiveState == ActiveHealth.Unhealthy)
        {
            return EndpointHealthStatus.FailingHealthChecks;
        }

        return SlowStartFactor(endpoint, now) < 1 ? EndpointHealthStatus.SlowStart : EndpointHealthStatus.Healthy;
    }

    /// <summary>Whether fewer endpoints than the panic threshold are eligible at <paramref name="now"/>, for inspection (changes nothing).</summary>
    public bool IsPanicking(EndpointSet set, long now)
    {
        var all = set.Endpoints;
        if (all.Length == 0)
        {
            return false;
        }

        var options = Options;
        var eligible = 0;
        foreach (var endpoint in all)
        {
            if (!IsOut(endpoint.Health, options, now))
            {
                eligible++;
            }
        }

        return eligible < options.PanicThreshold * all.Length;
    }

    /// <summary>Why no endpoint of <paramref name="set"/> is eligible, for the error message.</summary>
    public string DescribeUnavailable(EndpointSet set, long now)
    {
        int unreachable = 0, ejected = 0, coolingDown = 0, failingChecks = 0;
        var activeChecks = Options.ActiveChecks.Enabled;
        var connectionFailures = Options.ConnectionFailure.Enabled;
        foreach (var endpoint in set.Endpoints)
        {
            var health = endpoint.Health;
            if (connectionFailures && health.IsUnreachable)
            {
                unreachable++;
            }
            else if (health.IsEjected(now))
            {
                ejected++;
            }
            else if (health.IsCoolingDown(now))
            {
                coolingDown++;
            }
            else if (activeChecks && health.ActiveState == ActiveHealth.Unhealthy)
            {
                failingChecks++;
            }
        }

        var panic = Volatile.Read(ref _eligible)?.Panic == true && Options.FailFastInPanic ? "; fewer than the panic threshold are eligible and FailFastInPanic is on" : string.Empty;
        return $"{unreachable} unreachable after a connection failure, {ejected} ejected, {coolingDown} cooling down after Retry-After, {failingChecks} not passing active health checks{panic}";
    }

    private long ToTimestamp(TimeSpan time) => (long)(time.TotalSeconds * settings.TimeProvider.TimestampFrequency);
}
