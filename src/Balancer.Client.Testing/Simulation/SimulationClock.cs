namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// Virtual time for simulations: a <see cref="TimeProvider"/> whose time moves only as its single-threaded event loop
/// runs events, in order of time and then of scheduling, so that a run is the same every time.
/// </summary>
/// <remarks>
/// Timestamps are ticks (<see cref="TimeSpan.TicksPerSecond"/> per second) of the virtual UTC time, so
/// <see cref="TimeProvider.GetElapsedTime(long, long)"/> and time-decayed statistics work unchanged. Timers created
/// through <see cref="CreateTimer"/> fire on the event loop. The clock is not thread-safe: use it from one thread.
/// </remarks>
public sealed class SimulationClock : TimeProvider
{
    private readonly PriorityQueue<SimulationEvent, EventKey> _events = new();
    private readonly long _startTicks;
    private long _elapsedTicks;
    private long _sequence;

    /// <summary>Initializes a clock that starts at <see cref="DefaultStart"/>.</summary>
    public SimulationClock()
        : this(DefaultStart)
    {
    }

    /// <summary>Initializes a clock that starts at <paramref name="start"/>.</summary>
    /// <param name="start">The virtual time at which the simulation begins.</param>
    public SimulationClock(DateTimeOffset start)
    {
        Start = start.ToUniversalTime();
        _startTicks = Start.UtcTicks;
    }

    /// <summary>Gets the start time of clocks created without one: 1 January 2026, 00:00 UTC.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Gets the virtual time at which the simulation began.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Gets the virtual time elapsed since <see cref="Start"/>.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(_elapsedTicks);

    /// <summary>Gets the number of events scheduled and not yet run.</summary>
    public int PendingEvents => _events.Count;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>The current virtual time in ticks since <see cref="Start"/>.</summary>
    internal long ElapsedTicks => _elapsedTicks;

    /// <inheritdoc/>
    public override long GetTimestamp() => _startTicks + _elapsedTicks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => new(_startTicks + _elapsedTicks, TimeSpan.Zero);

    /// <summary>Creates a timer that fires on the event loop, at virtual times.</summary>
    /// <param name="callback">The callback to invoke.</param>
    /// <param name="state">The state passed to <paramref name="callback"/>.</param>
    /// <param name="dueTime">The delay before the first call; <see cref="Timeout.InfiniteTimeSpan"/> for never.</param>
    /// <param name="period">The time between calls; <see cref="Timeout.InfiniteTimeSpan"/> or zero for one call only.</param>
    /// <returns>The timer.</returns>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SimulationTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Schedules <paramref name="callback"/> to run on the event loop after <paramref name="delay"/> of virtual time.</summary>
    /// <param name="delay">The delay, zero or more.</param>
    /// <param name="callback">The action to run.</param>
    public void Schedule(TimeSpan delay, Action callback)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(callback);
        ScheduleAt(_elapsedTicks + delay.Ticks, new ActionTarget(callback), 0, 0, 0);
    }

    /// <summary>Runs the next event, moving the time forward to it.</summary>
    /// <returns><see langword="false"/> when no event is scheduled.</returns>
    public bool RunNext() => RunNext(long.MaxValue);

    /// <summary>
    /// Runs, in order, every event due up to <paramref name="elapsed"/> since <see cref="Start"/> (including those
    /// that the events schedule on the way), then moves the time to <paramref name="elapsed"/>.
    /// </summary>
    /// <param name="elapsed">The virtual time to run to; not before <see cref="Elapsed"/>.</param>
    /// <returns>The number of events run.</returns>
    public int RunUntil(TimeSpan elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elapsed, Elapsed);
        var count = 0;
        while (RunNext(elapsed.Ticks))
        {
            count++;
        }

        _elapsedTicks = elapsed.Ticks;
        return count;
    }

    /// <summary>Schedules an event at <paramref name="elapsedTicks"/> since the start (not before now).</summary>
    internal void ScheduleAt(long elapsedTicks, ISimulationEventTarget target, int kind, int a, int b) =>
        _events.Enqueue(new SimulationEvent(target, kind, a, b), new EventKey(Math.Max(elapsedTicks, _elapsedTicks), _sequence++));

    /// <summary>Runs the next event if it is due at or before <paramref name="limitTicks"/>.</summary>
    internal bool RunNext(long limitTicks)
    {
        if (!_events.TryPeek(out var next, out var key) || key.Time > limitTicks)
        {
            return false;
        }

        _events.Dequeue();
        _elapsedTicks = key.Time;
        next.Target.OnEvent(next.Kind, next.A, next.B);
        return true;
    }

    /// <summary>Drops every scheduled event.</summary>
    internal void Clear() => _events.Clear();

    private sealed class ActionTarget(Action action) : ISimulationEventTarget
    {
        public void OnEvent(int kind, int a, int b) => action();
    }
}
