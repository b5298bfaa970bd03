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
        ConfigurePipeline = options.ConfigurePipeline;
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

    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder>? ConfigurePipeline { get; }

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

    /// <summary>Queues for one of the <see cref="BackendBehavior.Capacity"/> service slots, in arrival order, then serves for a service time drawn around the mean × slowdown × <paramref name="pathFactor"/>.</summary>
    public async Task ServeAsync(BackendBehavior behavior, double pathFactor, CancellationToken token)
    {
        await Gate.WaitAsync(token).ConfigureAwait(false);
        OnInService(1);
        try
        {
            var mean = behavior.MeanServiceTime * behavior.SlowdownFactor * pathFactor;
            var delay = Random.NextServiceTime(mean, behavior.Distribution, behavior.LogNormalSigma);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, Time, token).ConfigureAwait(false);
            }
        }
        finally
        {
            OnInService(-1);
            Gate.Release();
        }
    }

    /// <summary>Stall windows open at every multiple of <see cref="BackendBehavior.StallEvery"/> since the epoch; arrivals inside one wait for its end.</summary>
    public async Task WaitOutStallAsync(long arrival, CancellationToken token)
    {
        var every = Behavior.StallEvery;
        var duration = Behavior.StallDuration;
        if (every <= TimeSpan.Zero || duration <= TimeSpan.Zero)
        {
            return;
        }

        var sinceEpoch = Time.GetElapsedTime(Epoch, arrival);
        var phase = TimeSpan.FromTicks(sinceEpoch.Ticks % every.Ticks);
        if (sinceEpoch < every || phase >= duration)
        {
            return;
        }

        var remaining = duration - phase - Time.GetElapsedTime(arrival);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, Time, token).ConfigureAwait(false);
        }
    }

    public void ResetCounters()
    {
        Received.Reset();
        HealthChecks.Reset();
        Interlocked.Exchange(ref _served, 0);
        Log.Clear();
    }
}
