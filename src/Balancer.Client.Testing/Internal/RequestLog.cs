using System.Collections.Concurrent;

namespace Balancer.Client.Testing.Internal;

/// <summary>The last <see cref="Capacity"/> requests a backend received, oldest first.</summary>
internal sealed class RequestLog(int capacity)
{
    public const int DefaultCapacity = 10_000;

    public int Capacity { get; } = capacity;

    private readonly ConcurrentQueue<ReceivedRequest> _entries = new();
    private int _count;

    public void Add(ReceivedRequest request)
    {
        _entries.Enqueue(request);
        if (Interlocked.Increment(ref _count) > Capacity && _entries.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    public IReadOnlyList<ReceivedRequest> Snapshot() => _entries.ToArray();

    public void Clear()
    {
        while (_entries.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
