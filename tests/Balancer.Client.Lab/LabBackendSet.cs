using System.Diagnostics;
using Balancer.Client.Testing;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>
/// The backends of one run, whatever they serve (scripted HTTP backends, or the gRPC mode's servers), as the runner,
/// the share sampler and the oracle see them; and the runner of the scenario's timeline. Also the truth the oracle
/// reads: which stall window is open on which backend until when.
/// </summary>
internal abstract class LabBackendSet : IAsyncDisposable
{
    private readonly long[] _createdAt;
    private readonly long[] _stallEnd;
    private readonly Dictionary<string, int> _indexes;

    /// <param name="names">The backends' names, in the plan's order.</param>
    /// <param name="createdAt">The <see cref="Stopwatch"/> timestamp just before each backend was created, from which it counts its stall windows.</param>
    protected LabBackendSet(IReadOnlyList<string> names, long[] createdAt)
    {
        _createdAt = createdAt;
        _stallEnd = new long[names.Count];
        _indexes = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.OrdinalIgnoreCase);
    }

    public int Count => _stallEnd.Length;

    public int IndexOf(string name) => _indexes.TryGetValue(name, out var index) ? index : -1;

    /// <summary>Gets the live behaviour of backend <paramref name="index"/>.</summary>
    public abstract BackendBehavior BehaviorOf(int index);

    /// <summary>Gets a value indicating whether backend <paramref name="index"/> accepts connections.</summary>
    public abstract bool IsRunning(int index);

    /// <summary>Gets the requests backend <paramref name="index"/> holds without having answered them: stalled, queued, in service or swallowed.</summary>
    public abstract int QueueLength(int index);

    /// <summary>Gets the requests each backend received since it started, as counted by the backend.</summary>
    public abstract long[] ReceivedCounts();

    /// <summary>Gets the <see cref="Stopwatch"/> timestamp at which the open stall window of backend <paramref name="index"/> closes (0 when none was opened).</summary>
    public long StallEnd(int index) => Volatile.Read(ref _stallEnd[index]);

    /// <summary>Stops backend <paramref name="index"/>: new connections are refused.</summary>
    protected abstract Task StopAsync(int index);

    /// <summary>Starts backend <paramref name="index"/> again on the same port.</summary>
    protected abstract Task RestartAsync(int index);

    public abstract ValueTask DisposeAsync();

    /// <summary>Applies the timeline's changes at their times since <paramref name="start"/>, until done or cancelled.</summary>
    public async Task RunTimelineAsync(IReadOnlyList<LabChange> timeline, long start, CancellationToken cancellationToken)
    {
        foreach (var change in timeline.OrderBy(c => c.At))
        {
            var due = start + (long)(change.At.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            await ApplyAsync(change, due, timeline).ConfigureAwait(false);
        }
    }

    private async Task ApplyAsync(LabChange change, long due, IReadOnlyList<LabChange> timeline)
    {
        var index = IndexOf(change.Backend);
        var behavior = BehaviorOf(index);
        switch (change.Kind)
        {
            case ScenarioChangeKind.SetSlowdown:
                behavior.SlowdownFactor = change.Value;
                break;
            case ScenarioChangeKind.SetFailureShare:
                behavior.FailureRate = change.Value;
                break;
            case ScenarioChangeKind.SetResetShare:
                behavior.ResetRate = change.Value;
                break;
            case ScenarioChangeKind.SetBlackHole:
                behavior.BlackHole = change.Value != 0;
                break;
            case ScenarioChangeKind.Stop:
                await StopAsync(index).ConfigureAwait(false);
                break;
            case ScenarioChangeKind.Start:
                await RestartAsync(index).ConfigureAwait(false);
                break;
            case ScenarioChangeKind.Stall:
                OpenStallWindow(index, change, due, timeline);
                break;
            default:
                throw new InvalidOperationException($"Timeline change '{change}' is not supported.");
        }
    }

    /// <summary>
    /// A backend stalls in windows that open at every multiple of <see cref="BackendBehavior.StallEvery"/> since it
    /// was created. Setting the period to the time elapsed since creation opens a window now; the next window (at
    /// twice that time) is never reached, because the period is cleared when the window closes, unless another
    /// window of the timeline opens then.
    /// </summary>
    private void OpenStallWindow(int index, LabChange change, long due, IReadOnlyList<LabChange> timeline)
    {
        var behavior = BehaviorOf(index);
        var sinceCreation = Stopwatch.GetElapsedTime(_createdAt[index], due);
        behavior.StallDuration = change.Duration;
        behavior.StallEvery = sinceCreation;
        var end = due + (long)(change.Duration.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref _stallEnd[index], end);
        var continued = timeline.Any(c => c.Kind == ScenarioChangeKind.Stall
            && string.Equals(c.Backend, change.Backend, StringComparison.OrdinalIgnoreCase)
            && c.At == change.At + change.Duration);
        if (!continued)
        {
            _ = ClearStallAsync(behavior, sinceCreation, end);
        }
    }

    private static async Task ClearStallAsync(BackendBehavior behavior, TimeSpan period, long end)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait).ConfigureAwait(false);
        }

        if (behavior.StallEvery == period)
        {
            behavior.StallEvery = TimeSpan.Zero;
        }
    }
}
