namespace Balancer.Client.Testing.Internal;

/// <summary>
/// Admits at most <c>capacity()</c> requests into service; the rest wait in strict arrival order. Unlike a
/// <see cref="SemaphoreSlim"/>, the capacity is read on every admission, so it can change while requests wait.
/// </summary>
internal sealed class ServiceGate(Func<int> capacity)
{
    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private int _active;

    /// <summary>Waits for a service slot; a caller that got one must call <see cref="Release"/> exactly once.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_waiting.Count == 0 && _active < capacity())
            {
                _active++;
                return;
            }

            waiter = new Waiter(this);
            waiter.Node = _waiting.AddLast(waiter);
        }

        using (cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter))
        {
            await waiter.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Frees a slot and admits the next waiting requests.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _active--;
            while (_waiting.First is { } first && _active < capacity())
            {
                _waiting.RemoveFirst();
                _active++;
                first.Value.Completion.TrySetResult();
            }
        }
    }

    private sealed class Waiter(ServiceGate gate)
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public void Cancel(CancellationToken token)
        {
            lock (gate._lock)
            {
                // A waiter admitted already keeps its slot, and its caller releases it.
                if (Node?.List is null)
                {
                    return;
                }

                gate._waiting.Remove(Node);
            }

            Completion.TrySetCanceled(token);
        }
    }
}
