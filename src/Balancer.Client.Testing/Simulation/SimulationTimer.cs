namespace Balancer.Client.Testing.Simulation;

/// <summary>A timer of a <see cref="SimulationClock"/>: each change bumps a generation, so events of an older schedule are ignored.</summary>
internal sealed class SimulationTimer(SimulationClock clock, TimerCallback callback, object? state) : ITimer, ISimulationEventTarget
{
    private int _generation;
    private long _periodTicks;
    private bool _disposed;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
        {
            return false;
        }

        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must be zero or more, or infinite.");
        }

        if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be zero or more, or infinite.");
        }

        _generation++;
        _periodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            clock.ScheduleAt(clock.ElapsedTicks + dueTime.Ticks, this, 0, _generation, 0);
        }

        return true;
    }

    public void OnEvent(int kind, int a, int b)
    {
        if (_disposed || a != _generation)
        {
            return;
        }

        if (_periodTicks > 0)
        {
            clock.ScheduleAt(clock.ElapsedTicks + _periodTicks, this, 0, _generation, 0);
        }

        callback(state);
    }

    public void Dispose() => _disposed = true;

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
