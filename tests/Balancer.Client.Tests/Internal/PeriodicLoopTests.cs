using System.Collections.Concurrent;
using Balancer.Client.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Balancer.Client.Tests.Internal;

/// <summary>
/// The background loop of active health checks, network probes and reconnect checks, on a fake clock: the clock decides
/// when a pass is due, and the test waits for the loop's own signal that a wait has begun before it moves the clock.
/// </summary>
public sealed class PeriodicLoopTests : IDisposable
{
    private static readonly TimeSpan s_signalTimeout = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<PeriodicPass> _passes = new();
    private readonly ConcurrentQueue<Exception> _failures = new();
    private readonly SemaphoreSlim _waits = new(0);
    private TimeSpan _interval = TimeSpan.FromSeconds(10);
    private double _jitter;
    private Func<PeriodicPass, CancellationToken, Task> _pass = (_, _) => Task.CompletedTask;
    private PeriodicLoop? _loop;

    [Fact]
    public void Jittered_SpreadsTheIntervalByTheJitterEitherWay()
    {
        PeriodicLoop.Jittered(TimeSpan.FromSeconds(10), 0.2, 0).Should().Be(TimeSpan.FromSeconds(8));
        PeriodicLoop.Jittered(TimeSpan.FromSeconds(10), 0.2, 0.5).Should().Be(TimeSpan.FromSeconds(10));
        PeriodicLoop.Jittered(TimeSpan.FromSeconds(10), 0.2, 1).Should().Be(TimeSpan.FromSeconds(12));
        PeriodicLoop.Jittered(TimeSpan.FromSeconds(10), 0, 0.9).Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Start_RunsAPassAtOnce_ThenOneEveryIntervalWithinTheJitter()
    {
        _interval = TimeSpan.FromSeconds(5);
        _jitter = 0.2;
        var loop = Create();

        loop.Start().Should().BeTrue();
        await NextWaitAsync();
        _passes.Should().Equal(PeriodicPass.Scheduled);

        _time.Advance(TimeSpan.FromSeconds(3.99)); // below 5 s × (1 − 0.2)
        _passes.Should().HaveCount(1);

        _time.Advance(TimeSpan.FromSeconds(2.02)); // past 5 s × (1 + 0.2)
        await NextWaitAsync();
        _passes.Should().Equal(PeriodicPass.Scheduled, PeriodicPass.Scheduled);
        _failures.Should().BeEmpty();
    }

    [Fact]
    public async Task Start_Twice_RunsOneLoop()
    {
        var loop = Create();

        loop.Start().Should().BeTrue();
        loop.Start().Should().BeFalse("the loop is running");
        await NextWaitAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await NextWaitAsync();

        _passes.Should().HaveCount(2, "one pass at the start and one per interval, not two of each");
        _waits.CurrentCount.Should().Be(0, "no second loop waits beside the first");
        loop.IsRunning.Should().BeTrue();
    }

    [Fact]
    public void Start_BeginningWithAWait_SetsTheWaitBeforeReturning_ThenPassesAtTheInterval()
    {
        var loop = Create(passAtStart: false);

        loop.Start();

        _waits.CurrentCount.Should().Be(1, "the first wait is set before Start returns");
        _passes.Should().BeEmpty();
        _time.Advance(TimeSpan.FromSeconds(9.99));
        _passes.Should().BeEmpty();
    }

    [Fact]
    public async Task Start_BeginningWithAWait_RunsTheFirstPassAfterTheInterval()
    {
        var loop = Create(passAtStart: false);
        loop.Start();
        await NextWaitAsync();

        _time.Advance(TimeSpan.FromSeconds(10));
        await NextWaitAsync();

        _passes.Should().Equal(PeriodicPass.Scheduled);
    }

    [Fact]
    public async Task Wake_DuringAWait_RunsAWokenPassAtOnce_AndTheIntervalGoesOn()
    {
        var loop = Create();
        loop.Start();
        await NextWaitAsync();
        _time.Advance(TimeSpan.FromSeconds(6));

        loop.Wake();
        await NextWaitAsync();
        _passes.Should().Equal(PeriodicPass.Scheduled, PeriodicPass.Woken);

        _time.Advance(TimeSpan.FromSeconds(3.99));
        _passes.Should().HaveCount(2, "the interval still counts from the first pass");
        _time.Advance(TimeSpan.FromSeconds(0.02));
        await NextWaitAsync();
        _passes.Should().Equal(PeriodicPass.Scheduled, PeriodicPass.Woken, PeriodicPass.Scheduled);
    }

    [Fact]
    public async Task RunNow_DuringAWait_RunsAScheduledPassAtOnce_AndTheNewIntervalStartsFromIt()
    {
        var loop = Create();
        loop.Start();
        await NextWaitAsync();
        _time.Advance(TimeSpan.FromSeconds(6));

        _interval = TimeSpan.FromSeconds(20); // as a reload would change it
        loop.RunNow();
        await NextWaitAsync();
        _passes.Should().Equal(PeriodicPass.Scheduled, PeriodicPass.Scheduled);

        _time.Advance(TimeSpan.FromSeconds(19.99));
        _passes.Should().HaveCount(2, "the new interval counts from the pass that RunNow ran");
        _time.Advance(TimeSpan.FromSeconds(0.02));
        await NextWaitAsync();
        _passes.Should().HaveCount(3);
    }

    [Fact]
    public async Task Wake_ManyTimesDuringAPass_RunsOneExtraPass()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pass = async (_, _) =>
        {
            if (_passes.Count == 1)
            {
                entered.SetResult();
                await release.Task;
            }
        };
        var loop = Create();
        loop.Start();
        await entered.Task.WaitAsync(s_signalTimeout);

        for (var i = 0; i < 5; i++)
        {
            loop.Wake();
        }

        release.SetResult();
        await NextWaitAsync();
        await NextWaitAsync();
        await loop.Stop().WaitAsync(s_signalTimeout);

        _passes.Should().Equal(PeriodicPass.Scheduled, PeriodicPass.Woken);
    }

    [Fact]
    public async Task RunNow_AndWakeDuringAPass_RunOneScheduledPass()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pass = async (_, _) =>
        {
            if (_passes.Count == 1)
            {
                entered.SetResult();
                await release.Task;
            }
        };
        var loop = Create();
        loop.Start();
        await entered.Task.WaitAsync(s_signalTimeout);

        loop.Wake();
        loop.RunNow();
        loop.Wake();
        release.SetResult();
        await NextWaitAsync();
        await NextWaitAsync();
        await loop.Stop().WaitAsync(s_signalTimeout);

        _passes.Should().Equal(PeriodicPass.Scheduled, PeriodicPass.Scheduled);
    }

    [Fact]
    public async Task Pass_Throws_IsReported_AndTheLoopGoesOnAtItsInterval()
    {
        _pass = (_, _) => _passes.Count switch
        {
            1 => throw new InvalidOperationException("first"), // at once, before any task exists
            2 => FailLaterAsync("second"),
            _ => Task.CompletedTask,
        };
        var loop = Create();
        loop.Start();
        await NextWaitAsync();
        _failures.Select(e => e.Message).Should().Equal("first");
        _time.Advance(TimeSpan.FromSeconds(9.99));
        _passes.Should().HaveCount(1, "a failed pass is not retried before the interval");

        _time.Advance(TimeSpan.FromSeconds(0.02));
        await NextWaitAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await NextWaitAsync();

        _passes.Should().HaveCount(3);
        _failures.Select(e => e.Message).Should().Equal("first", "second");
        loop.IsRunning.Should().BeTrue();
    }

    [Fact]
    public async Task Stop_EndsTheLoop_AndAStoppedLoopNeverRunsAgain()
    {
        var stopped = 0;
        var loop = Create();
        loop.Stopped += () => Interlocked.Increment(ref stopped);
        loop.Start();
        await NextWaitAsync();

        await loop.Stop().WaitAsync(s_signalTimeout);
        loop.IsRunning.Should().BeFalse();
        loop.Wake();
        loop.RunNow();
        _time.Advance(TimeSpan.FromHours(1));
        await loop.Stop().WaitAsync(s_signalTimeout);

        _passes.Should().HaveCount(1);
        stopped.Should().Be(1);
        _failures.Should().BeEmpty();
    }

    [Fact]
    public async Task Stop_DuringAPass_CancelsIt_ReportsNothing_AndNeverThrows()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        _pass = async (_, cancellationToken) =>
        {
            entered.SetResult();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        };
        var loop = Create();
        loop.Start();
        await entered.Task.WaitAsync(s_signalTimeout);

        var stop = loop.Stop();
        await stop.WaitAsync(s_signalTimeout);

        stop.IsCompletedSuccessfully.Should().BeTrue();
        cancelled.Should().BeTrue();
        _failures.Should().BeEmpty("a stop is not a failure");
        _waits.CurrentCount.Should().Be(0, "no wait follows a stopped pass");
    }

    [Fact]
    public async Task Start_AfterStop_WaitsForTheStoppedRunToEnd()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = new ConcurrentQueue<string>();
        _pass = async (_, _) =>
        {
            events.Enqueue("pass");
            if (_passes.Count == 1)
            {
                entered.SetResult();
                await release.Task; // ignores the stop, as a pass that cannot be cancelled at once
            }
        };
        var loop = Create();
        loop.Stopped += () => events.Enqueue("stopped");
        loop.Start();
        await entered.Task.WaitAsync(s_signalTimeout);

        var stop = loop.Stop();
        loop.Start().Should().BeTrue();
        stop.IsCompleted.Should().BeFalse("the first pass is still under way");
        events.Should().Equal("pass");

        release.SetResult();
        await NextWaitAsync();

        events.Should().Equal("pass", "stopped", "pass");
    }

    [Fact]
    public async Task Dispose_StopsTheLoop_AndStartDoesNothingAfterwards()
    {
        var loop = Create();
        loop.Start();
        await NextWaitAsync();

        loop.Dispose();

        loop.Start().Should().BeFalse();
        loop.IsRunning.Should().BeFalse();
        _time.Advance(TimeSpan.FromHours(1));
        await loop.Stop().WaitAsync(s_signalTimeout);
        _passes.Should().HaveCount(1);
    }

    public void Dispose()
    {
        _loop?.Dispose();
        _waits.Dispose();
    }

    private PeriodicLoop Create(bool passAtStart = true)
    {
        _loop = new PeriodicLoop(
            (kind, cancellationToken) =>
            {
                _passes.Enqueue(kind);
                return _pass(kind, cancellationToken);
            },
            () => (_interval, _jitter),
            _time,
            _failures.Enqueue,
            passAtStart);
        _loop.Waiting += () => _waits.Release();
        return _loop;
    }

    private static async Task FailLaterAsync(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }

    private async Task NextWaitAsync() =>
        (await _waits.WaitAsync(s_signalTimeout)).Should().BeTrue("the loop should begin its next wait");
}
