namespace Balancer.Client.Internal;

/// <summary>What made a pass of a <see cref="PeriodicLoop"/> run.</summary>
internal enum PeriodicPass
{
    /// <summary>The interval elapsed, the loop started, or <see cref="PeriodicLoop.RunNow"/> asked for it; the next interval starts after it.</summary>
    Scheduled,

    /// <summary>An extra pass asked for by <see cref="PeriodicLoop.Wake"/>; the interval under way goes on.</summary>
    Woken,
}

/// <summary>
/// One background loop: a pass, then a wait of the interval × (1 ± jitter) on a <see cref="TimeProvider"/>, and again,
/// until stopped. <see cref="Start"/> is idempotent; <see cref="Stop"/> cancels the pass under way and never throws;
/// one run at a time (a run started after a stop waits for the stopped one to end). Wake-ups coalesce: however many
/// arrive during a pass or a wait, one extra pass follows. A pass that throws is reported to the error callback and
/// the loop goes on at its next interval. Nothing here is on a request's path.
/// </summary>
/// <param name="pass">One pass; cancelled when the loop stops.</param>
/// <param name="schedule">The interval and jitter (0 to 1) of the next wait, read as each wait begins.</param>
/// <param name="timeProvider">The clock of the waits.</param>
/// <param name="failed">Told of every exception a pass (or a callback of the loop) throws, except on a stop.</param>
/// <param name="passAtStart">
/// <see langword="true"/>: the first pass runs at once, on the thread pool; <see langword="false"/>: the loop begins
/// with a wait, which is set before <see cref="Start"/> returns.
/// </param>
internal sealed class PeriodicLoop(
    Func<PeriodicPass, CancellationToken, Task> pass,
    Func<(TimeSpan Interval, double Jitter)> schedule,
    TimeProvider timeProvider,
    Action<Exception> failed,
    bool passAtStart = true) : IDisposable
{
    private const int NoWake = 0;
    private const int WakePending = 1;
    private const int RunNowPending = 2;

    // Task.Delay's limit (uint.MaxValue - 1 milliseconds).
    private static readonly TimeSpan s_longestWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    private readonly object _lock = new();
    private CancellationTokenSource? _running;
    private Task _run = Task.CompletedTask;
    private TaskCompletionSource? _signal;
    private int _pending;
    private bool _disposed;

    /// <summary>Raised after each pass (and at the start when the loop begins with a wait) once the wait has begun: tests on a fake clock advance it then.</summary>
    public event Action? Waiting;

    /// <summary>Raised when a run has ended (after its last pass), before a run started later begins.</summary>
    public event Action? Stopped;

    /// <summary><see langword="true"/> from <see cref="Start"/> until <see cref="Stop"/> or <see cref="Dispose"/>.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _running is not null;
            }
        }
    }

    /// <summary>The delay <paramref name="interval"/> × (1 ± <paramref name="jitter"/>), where <paramref name="random"/> (0 to 1) picks the jitter.</summary>
    public static TimeSpan Jittered(TimeSpan interval, double jitter, double random) =>
        interval * (1 + (jitter * ((2 * random) - 1)));

    /// <summary>Starts the loop unless it is running or disposed.</summary>
    /// <returns><see langword="true"/> when this call started it.</returns>
    public bool Start()
    {
        Task<Task> run;
        lock (_lock)
        {
            if (_disposed || _running is not null)
            {
                return false;
            }

            _running = new CancellationTokenSource();
            _pending = NoWake;
            var previous = _run;
            var token = _running.Token;
            run = new Task<Task>(() => RunAsync(previous, token));
            _run = run.Unwrap();
        }

        // Outside the lock: the first wait (or, on the thread pool, the first pass) calls back into the owner.
        if (passAtStart)
        {
            run.Start(TaskScheduler.Default);
        }
        else
        {
            run.RunSynchronously(TaskScheduler.Default);
        }

        return true;
    }

    /// <summary>Runs a scheduled pass as soon as the one under way (if any) ends; the interval starts again after it.</summary>
    public void RunNow() => Signal(RunNowPending);

    /// <summary>Runs an extra pass as soon as the one under way (if any) ends; the interval under way goes on.</summary>
    public void Wake() => Signal(WakePending);

    /// <summary>Stops the loop: the pass under way is cancelled and no further pass runs. Never throws.</summary>
    /// <returns>A task that completes (never faults) when the run has ended.</returns>
    public Task Stop()
    {
        CancellationTokenSource? running;
        Task run;
        lock (_lock)
        {
            running = _running;
            _running = null;
            run = _run;
        }

        try
        {
            // Not disposed: the run may still read its token, and the source holds no timer.
            running?.Cancel();
        }
#pragma warning disable CA1031 // A stop never throws: a cancellation callback that fails is reported, the loop ends anyway.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Report(exception);
        }

        return run;
    }

    /// <summary>Stops the loop for good: <see cref="Start"/> does nothing afterwards.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _ = Stop();
    }

    private void Signal(int kind)
    {
        TaskCompletionSource? signal;
        lock (_lock)
        {
            if (_running is null)
            {
                return;
            }

            _pending = Math.Max(_pending, kind);
            signal = _signal;
            _signal = null;
        }

        signal?.TrySetResult();
    }

    /// <summary>The task a wait races against its delay: complete when a wake-up is pending, else one shared, kept until a wake-up completes it.</summary>
    private Task NextSignal()
    {
        lock (_lock)
        {
            if (_pending != NoWake)
            {
                return Task.CompletedTask;
            }

            // One signal for every wait until a wake-up completes it: no abandoned waiter is left per interval.
            _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _signal.Task;
        }
    }

    private int TakePending()
    {
        lock (_lock)
        {
            var pending = _pending;
            _pending = NoWake;
            return pending;
        }
    }

    private async Task RunAsync(Task previous, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(false); // never faults
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!first || passAtStart)
            {
                _ = TakePending(); // a wake-up asks for a pass that begins after it: this one
                await PassAsync(PeriodicPass.Scheduled, cancellationToken).ConfigureAwait(false);
            }

            first = false;
            var delay = Delay(cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                var signal = NextSignal();
                Raise(Waiting);
                if (await Task.WhenAny(delay, signal).ConfigureAwait(false) != signal || TakePending() == RunNowPending)
                {
                    break; // the interval elapsed (or the loop stopped), or a scheduled pass was asked for
                }

                await PassAsync(PeriodicPass.Woken, cancellationToken).ConfigureAwait(false);
            }
        }

        Raise(Stopped);
    }

    private Task Delay(CancellationToken cancellationToken)
    {
        try
        {
            var (interval, jitter) = schedule();
            var delay = Jittered(interval, jitter, Random.Shared.NextDouble());
            return Task.Delay(delay < TimeSpan.Zero ? TimeSpan.Zero : delay > s_longestWait ? s_longestWait : delay, timeProvider, cancellationToken);
        }
#pragma warning disable CA1031 // A schedule that cannot be read must not end the loop: report it, wait the longest time a wake-up can cut short.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Report(exception);
            return Task.Delay(s_longestWait, timeProvider, cancellationToken);
        }
    }

    private async Task PassAsync(PeriodicPass kind, CancellationToken cancellationToken)
    {
        try
        {
            await pass(kind, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed pass must not end the loop: it is reported and the next pass runs on schedule.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                Report(exception);
            }
        }
    }

    private void Raise(Action? callback)
    {
        try
        {
            callback?.Invoke();
        }
#pragma warning disable CA1031 // A failing listener must not end the loop.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Report(exception);
        }
    }

    private void Report(Exception exception)
    {
        try
        {
            failed(exception);
        }
#pragma warning disable CA1031 // The loop outlives a failing error callback too.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
