namespace Balancer.Client.Health;

/// <summary>
/// The health of one endpoint: ejection, cool-down, active check state, unreachable after a connection failure, and
/// slow start. Travels with the endpoint (<see cref="Endpoints.BalancerEndpoint.Health"/>), next to its statistics,
/// across reloads and removals (see <see cref="Endpoints.RemovedEndpoints"/>). Times are <see cref="TimeProvider"/> timestamps; 0 means "none".
/// </summary>
internal sealed class EndpointHealth
{
    private long _ejectedUntil;
    private int _ejectionCount;
    private long _lastEjectionEnd;
    private long _cooldownUntil;
    private int _activeState;
    private int _activeStreak;
    private long _slowStartSince;
    private long _slowStartWindow;
    private long _unreachableSince;

    /// <summary>The active check state: unknown until the first check, then healthy or unhealthy.</summary>
    public ActiveHealth ActiveState => (ActiveHealth)Volatile.Read(ref _activeState);

    public long EjectedUntil => Volatile.Read(ref _ejectedUntil);

    public int EjectionCount => Volatile.Read(ref _ejectionCount);

    public long CooldownUntil => Volatile.Read(ref _cooldownUntil);

    public long SlowStartSince => Volatile.Read(ref _slowStartSince);

    public bool IsEjected(long now)
    {
        var until = EjectedUntil;
        return until != 0 && now < until;
    }

    public bool IsCoolingDown(long now) => now < CooldownUntil;

    /// <summary>When a connection failure took the endpoint out (0 when it is reachable as far as the client knows).</summary>
    public long UnreachableSince => Volatile.Read(ref _unreachableSince);

    public bool IsUnreachable => UnreachableSince != 0;

    /// <summary>Marks the endpoint unreachable; true for the one caller that marked it (which starts the reconnect checks).</summary>
    public bool TryMarkUnreachable(long now) => Interlocked.CompareExchange(ref _unreachableSince, Math.Max(1, now), 0) == 0;

    /// <summary>Ends the unreachable state; true for the one caller that ended it.</summary>
    public bool TryMarkReachable()
    {
        var since = UnreachableSince;
        return since != 0 && Interlocked.CompareExchange(ref _unreachableSince, 0, since) == since;
    }

    /// <summary>Ejects until <paramref name="until"/> with the given count; false when already ejected.</summary>
    public bool TryEject(long now, long until, int count)
    {
        var current = EjectedUntil;
        if (current != 0 && now < current)
        {
            return false;
        }

        if (Interlocked.CompareExchange(ref _ejectedUntil, until, current) != current)
        {
            return false;
        }

        Volatile.Write(ref _ejectionCount, count);
        return true;
    }

    /// <summary>The ejection count to use for a new ejection: the last count, less one per base time healthy since, plus one.</summary>
    public int NextEjectionCount(long now, long baseEjectionTime)
    {
        var count = EjectionCount;
        var lastEnd = Volatile.Read(ref _lastEjectionEnd);
        if (lastEnd != 0 && baseEjectionTime > 0 && now > lastEnd)
        {
            count = (int)Math.Max(0, count - ((now - lastEnd) / baseEjectionTime));
        }

        return count + 1;
    }

    /// <summary>Ends an ejection whose time is over; true for the one caller that ended it (which starts slow start).</summary>
    public bool TryEndEjection(long now)
    {
        var until = EjectedUntil;
        if (until == 0 || now < until || Interlocked.CompareExchange(ref _ejectedUntil, 0, until) != until)
        {
            return false;
        }

        Volatile.Write(ref _lastEjectionEnd, until);
        Volatile.Write(ref _slowStartWindow, 0);
        Volatile.Write(ref _slowStartSince, until);
        return true;
    }

    /// <summary>Extends the cool-down to <paramref name="until"/> (never shortens it); true when it changed.</summary>
    public bool CoolDownUntil(long until)
    {
        while (true)
        {
            var current = CooldownUntil;
            if (until <= current)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _cooldownUntil, until, current) == current)
            {
                return true;
            }
        }
    }

    public void StartSlowStart(long now) => StartSlowStart(now, 0);

    /// <summary>Starts slow start over <paramref name="window"/> (timestamp units; 0: the client's slow-start window).</summary>
    public void StartSlowStart(long now, long window)
    {
        Volatile.Write(ref _slowStartWindow, window);
        Volatile.Write(ref _slowStartSince, now);
    }

    /// <summary>
    /// The share of its normal traffic the endpoint gets now: 1, or less during slow start. <paramref name="window"/>
    /// is the client's window, used unless this slow start was started with its own.
    /// </summary>
    public double SlowStartFactor(long now, long window, double minimum)
    {
        var since = SlowStartSince;
        if (since == 0)
        {
            return 1;
        }

        var own = Volatile.Read(ref _slowStartWindow);
        if (own > 0)
        {
            window = own;
        }

        if (window <= 0)
        {
            return 1;
        }

        var elapsed = now - since;
        if (elapsed >= window)
        {
            Interlocked.CompareExchange(ref _slowStartSince, 0, since);
            return 1;
        }

        return minimum + ((1 - minimum) * Math.Max(0, elapsed) / window);
    }

    /// <summary>Records an active check; true when the state changed.</summary>
    public bool RecordCheck(bool success, int healthyThreshold, int unhealthyThreshold)
    {
        var state = ActiveState;
        if (success)
        {
            if (state == ActiveHealth.Healthy)
            {
                Volatile.Write(ref _activeStreak, 0);
                return false;
            }

            if (state == ActiveHealth.Unknown || Interlocked.Increment(ref _activeStreak) >= healthyThreshold)
            {
                Volatile.Write(ref _activeStreak, 0);
                Volatile.Write(ref _activeState, (int)ActiveHealth.Healthy);
                return true;
            }

            return false;
        }

        if (state == ActiveHealth.Unhealthy)
        {
            Volatile.Write(ref _activeStreak, 0);
            return false;
        }

        if (state == ActiveHealth.Unknown || Interlocked.Increment(ref _activeStreak) >= unhealthyThreshold)
        {
            Volatile.Write(ref _activeStreak, 0);
            Volatile.Write(ref _activeState, (int)ActiveHealth.Unhealthy);
            return true;
        }

        return false;
    }

    /// <summary>Forgets the active check state (checks were switched off or on).</summary>
    public void ResetActive()
    {
        Volatile.Write(ref _activeState, (int)ActiveHealth.Unknown);
        Volatile.Write(ref _activeStreak, 0);
    }
}

/// <summary>What active health checks say of an endpoint.</summary>
internal enum ActiveHealth
{
    Unknown,
    Healthy,
    Unhealthy,
}
