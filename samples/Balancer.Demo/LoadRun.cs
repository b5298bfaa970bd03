using System.Diagnostics;
using Balancer.Client;
using HdrHistogram;

namespace Balancer.Demo;

/// <summary>What a run has measured so far, for the live view.</summary>
internal sealed record LoadSnapshot(
    TimeSpan Elapsed,
    long Sent,
    long Completed,
    long Succeeded,
    long Errors,
    TimeSpan P50,
    TimeSpan P99,
    TimeSpan RecentP99);

/// <summary>The outcome of one run.</summary>
internal sealed record LoadResult(
    TimeSpan SendWindow,
    long Sent,
    long Succeeded,
    long StatusErrors,
    long Timeouts,
    long ConnectionErrors,
    long NoEndpointErrors,
    bool Cancelled,
    TimeSpan P50,
    TimeSpan P90,
    TimeSpan P99,
    TimeSpan Max)
{
    public long Errors => StatusErrors + Timeouts + ConnectionErrors + NoEndpointErrors;

    public double ErrorRate => Sent == 0 ? 0 : (double)Errors / Sent;

    public double AchievedRate => SendWindow <= TimeSpan.Zero ? 0 : Sent / SendWindow.TotalSeconds;
}

/// <summary>
/// Open-loop load: requests leave on a Poisson schedule fixed in advance, whether or not earlier ones have
/// answered, and each latency is measured from the moment the request was due to leave. A slow answer therefore
/// cannot hold back the requests behind it and hide its own cost (no coordinated omission).
/// </summary>
internal sealed class LoadRun
{
    private const long HighestTrackableMicroseconds = 120_000_000;
    private static readonly TimeSpan s_minimumWait = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan s_recentWindow = TimeSpan.FromSeconds(1);
    private static readonly Uri s_requestUri = new("items", UriKind.Relative);

    private readonly HttpClient _client;
    private readonly double _rate;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _timeout;
    private readonly Random _random;
    private readonly Recorder _recorder = new(1, HighestTrackableMicroseconds, 3, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
    private readonly LongHistogram _total = new(HighestTrackableMicroseconds, 3);
    private readonly LongHistogram _recent = new(HighestTrackableMicroseconds, 3);
    private readonly Queue<(long Timestamp, HistogramBase Histogram)> _window = new();
    private readonly Stack<HistogramBase> _recycled = new();
    private readonly Lock _snapshotLock = new();
    private long _startTimestamp;
    private long _sent;
    private long _succeeded;
    private long _statusErrors;
    private long _timeouts;
    private long _connectionErrors;
    private long _noEndpointErrors;

    public LoadRun(HttpClient client, double rate, TimeSpan duration, TimeSpan timeout, int? seed)
    {
        _client = client;
        _rate = rate;
        _duration = duration;
        _timeout = timeout;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    public TimeSpan Duration => _duration;

    private long Errors => Interlocked.Read(ref _statusErrors) + Interlocked.Read(ref _timeouts)
        + Interlocked.Read(ref _connectionErrors) + Interlocked.Read(ref _noEndpointErrors);

    /// <summary>Sends the load for the configured duration, then waits for the requests still on their way.</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        var frequency = (double)Stopwatch.Frequency;
        var durationTicks = (long)(_duration.TotalSeconds * frequency);
        var inFlight = new List<Task>((int)Math.Min(int.MaxValue / 2, (_rate * _duration.TotalSeconds * 1.2) + 16));
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _startTimestamp, start);

        // The schedule is an offset from the start, advanced by exponential gaps: a Poisson process at _rate.
        var offset = NextGapTicks(frequency);
        while (offset < durationTicks && !cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            while (offset < durationTicks && start + offset <= now)
            {
                inFlight.Add(SendAsync(start + offset, cancellationToken));
                offset += NextGapTicks(frequency);
            }

            if (offset >= durationTicks)
            {
                break;
            }

            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + offset);
            try
            {
                await Task.Delay(wait > s_minimumWait ? wait : s_minimumWait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        var sendWindow = Stopwatch.GetElapsedTime(start);
        await Task.WhenAll(inFlight).ConfigureAwait(false);

        lock (_snapshotLock)
        {
            Collect();
            return new LoadResult(
                cancellationToken.IsCancellationRequested ? sendWindow : _duration,
                Interlocked.Read(ref _sent),
                Interlocked.Read(ref _succeeded),
                Interlocked.Read(ref _statusErrors),
                Interlocked.Read(ref _timeouts),
                Interlocked.Read(ref _connectionErrors),
                Interlocked.Read(ref _noEndpointErrors),
                cancellationToken.IsCancellationRequested,
                Percentile(_total, 50),
                Percentile(_total, 90),
                Percentile(_total, 99),
                _total.TotalCount == 0 ? TimeSpan.Zero : TimeSpan.FromMicroseconds(_total.GetMaxValue()));
        }
    }

    /// <summary>
    /// Returns the figures so far. The percentiles cover the whole run; <see cref="LoadSnapshot.RecentP99"/> covers the
    /// time since the previous snapshot. Called by one reader at a time (the view).
    /// </summary>
    public LoadSnapshot Snapshot()
    {
        lock (_snapshotLock)
        {
            Collect();
            var start = Volatile.Read(ref _startTimestamp);
            var succeeded = Interlocked.Read(ref _succeeded);
            var errors = Errors;
            return new LoadSnapshot(
                start == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(start),
                Interlocked.Read(ref _sent),
                succeeded + errors,
                succeeded,
                errors,
                Percentile(_total, 50),
                Percentile(_total, 99),
                Percentile(_recent, 99));
        }
    }

    private long NextGapTicks(double frequency) =>
        Math.Max(1, (long)(-Math.Log(1 - _random.NextDouble()) / _rate * frequency));

    private async Task SendAsync(long dueTimestamp, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _sent);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _client.GetAsync(s_requestUri, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var micros = (long)Stopwatch.GetElapsedTime(dueTimestamp).TotalMicroseconds;
                _recorder.RecordValue(Math.Clamp(micros, 0, HighestTrackableMicroseconds));
                Interlocked.Increment(ref _succeeded);
            }
            else
            {
                Interlocked.Increment(ref _statusErrors);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The demo is stopping (Ctrl+C): neither a success nor an error.
            Interlocked.Decrement(ref _sent);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _timeouts);
        }
        catch (NoAvailableEndpointException)
        {
            Interlocked.Increment(ref _noEndpointErrors);
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref _connectionErrors);
        }
    }

    /// <summary>
    /// Moves what the recorder holds into the run's total and into the window of the last second. Interval
    /// histograms are recycled, so the view does not allocate large arrays while it measures latency.
    /// </summary>
    private void Collect()
    {
        var interval = _recorder.GetIntervalHistogram(_recycled.Count > 0 ? _recycled.Pop() : null);
        _total.Add(interval);
        var now = Stopwatch.GetTimestamp();
        _window.Enqueue((now, interval));
        while (_window.Count > 1 && Stopwatch.GetElapsedTime(_window.Peek().Timestamp, now) > s_recentWindow)
        {
            _recycled.Push(_window.Dequeue().Histogram);
        }

        _recent.Reset();
        foreach (var (_, histogram) in _window)
        {
            _recent.Add(histogram);
        }
    }

    private static TimeSpan Percentile(HistogramBase? histogram, double percentile) =>
        histogram is null || histogram.TotalCount == 0
            ? TimeSpan.Zero
            : TimeSpan.FromMicroseconds(histogram.GetValueAtPercentile(percentile));
}
