namespace Balancer.Client.Testing.Internal;

/// <summary>A counter that tasks can wait on until it reaches a value.</summary>
internal sealed class CountSignal
{
    private readonly object _lock = new();
    private readonly List<(long Target, TaskCompletionSource Completion)> _waiters = [];
    private long _value;
    private int _waiterCount;

    public long Value => Interlocked.Read(ref _value);

    public void Increment()
    {
        var value = Interlocked.Increment(ref _value);
        if (Volatile.Read(ref _waiterCount) > 0)
        {
            Notify(value);
        }
    }

    public void Reset() => Interlocked.Exchange(ref _value, 0);

    public async Task WaitForAsync(long target, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (Value >= target)
            {
                return;
            }

            _waiters.Add((target, completion));
            Interlocked.Exchange(ref _waiterCount, _waiters.Count);
        }

        // An increment that ran before the waiter was visible did not notify it: look again (the exchange above is a full fence).
        if (Value >= target)
        {
            completion.TrySetResult();
        }

        try
        {
            await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Completion == completion);
                Interlocked.Exchange(ref _waiterCount, _waiters.Count);
            }
        }
    }

    private void Notify(long value)
    {
        lock (_lock)
        {
            foreach (var (target, completion) in _waiters)
            {
                if (value >= target)
                {
                    completion.TrySetResult();
                }
            }
        }
    }
}
