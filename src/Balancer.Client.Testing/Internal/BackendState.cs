using System.Text;

namespace Balancer.Client.Testing.Internal;

/// <summary>
/// Everything a backend keeps across stops and restarts: behaviour, counters, request log, capacity gate and clock.
/// A new Kestrel host is started on every (re)start; they all share this state.
/// </summary>
internal sealed class BackendState
{
    private long _served;
    private int _pending;
    private int _inService;

    public BackendState(BackendOptions options)
    {
        Name = options.Name;
        NameBytes = Encoding.UTF8.GetBytes(options.Name);
        Behavior = options.Behavior ?? throw new ArgumentException("BackendOptions.Behavior must not be null.", nameof(options));
        Time = options.TimeProvider ?? TimeProvider.System;
        Random = new BackendRandom(options.Seed);
        Gate = new ServiceGate(() => Behavior.Capacity);
        Epoch = Time.GetTimestamp();
        Arrivals = new RateMeter(Time);
        Errors = new RateMeter(Time);
        Log = new RequestLog(options.RequestLogCapacity is >= 0 and <= BackendOptions.MaxRequestLogCapacity
            ? options.RequestLogCapacity
            : throw new ArgumentOutOfRangeException(nameof(options), options.RequestLogCapacity, $"BackendOptions.RequestLogCapacity must be from 0 to {BackendOptions.MaxRequestLogCapacity}."));
    }

    public string Name { get; }

    public byte[] NameBytes { get; }

    public BackendBehavior Behavior { get; }

    public TimeProvider Time { get; }

    public BackendRandom Random { get; }

    public ServiceGate Gate { get; }

    /// <summary>The timestamp stall windows are counted from: when the backend was created.</summary>
    public long Epoch { get; }

    public CountSignal Received { get; } = new();

    /// <summary>Requests to the health path, counted apart from <see cref="Received"/>.</summary>
    public CountSignal HealthChecks { get; } = new();

    /// <summary>The recent rate of received requests (health checks excluded), for load reports.</summary>
    public RateMeter Arrivals { get; }

    /// <summary>The recent rate of fast failures and resets, for load reports.</summary>
    public RateMeter Errors { get; }

    public RequestLog Log { get; }

    public long Served => Interlocked.Read(ref _served);

    public int Pending => Volatile.Read(ref _pending);

    public int InService => Volatile.Read(ref _inService);

    public void OnServed() => Interlocked.Increment(ref _served);

    public void OnPending(int delta) => Interlocked.Add(ref _pending, delta);

    public void OnInService(int delta) => Interlocked.Add(ref _inService, delta);

    public void ResetCounters()
    {
        Received.Reset();
        HealthChecks.Reset();
        Interlocked.Exchange(ref _served, 0);
        Log.Clear();
    }
}
