using System.Diagnostics;

namespace Balancer.Client.Lab;

/// <summary>
/// Reads every backend's <c>RequestsReceived</c> every 100 ms of a run, so that shares can be computed for any window
/// (the 1 s buckets of the charts, the fault window of the timeline) from what the backends themselves counted.
/// </summary>
internal sealed class ShareSampler
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly List<(double Seconds, long[] Counts)> _samples = [];

    public IReadOnlyList<(double Seconds, long[] Counts)> Samples => _samples;

    public async Task RunAsync(LabBackendSet backends, long start, CancellationToken cancellationToken)
    {
        _samples.Add((0, new long[backends.Count]));
        for (var tick = 1; !cancellationToken.IsCancellationRequested; tick++)
        {
            var due = start + (long)(tick * Interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            _samples.Add((Stopwatch.GetElapsedTime(start).TotalSeconds, backends.ReceivedCounts()));
        }

        _samples.Add((Stopwatch.GetElapsedTime(start).TotalSeconds, backends.ReceivedCounts()));
    }

    /// <summary>Returns the cumulative counts at the last sample taken at or before <paramref name="seconds"/>.</summary>
    public long[] CountsAt(double seconds)
    {
        var result = _samples[0].Counts;
        foreach (var (at, counts) in _samples)
        {
            if (at > seconds + 0.001)
            {
                break;
            }

            result = counts;
        }

        return result;
    }

    /// <summary>Returns the requests each backend received between <paramref name="from"/> and <paramref name="to"/> seconds.</summary>
    public long[] CountsBetween(double from, double to)
    {
        var a = CountsAt(from);
        var b = CountsAt(to);
        return [.. b.Zip(a, (x, y) => x - y)];
    }

    /// <summary>Returns the share (0 to 1) of the requests received between the two times that went to <paramref name="indexes"/>, or <see langword="null"/> when none arrived.</summary>
    public double? ShareBetween(IReadOnlyCollection<int> indexes, double from, double to)
    {
        var counts = CountsBetween(from, to);
        var total = counts.Sum();
        return total == 0 ? null : (double)indexes.Sum(i => counts[i]) / total;
    }
}
