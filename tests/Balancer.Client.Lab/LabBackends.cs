using System.Diagnostics;
using Balancer.Client.Testing;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>
/// The scripted backends of one run, started fresh on 127.0.0.1, and the runner of the scenario's timeline. Also the
/// truth the oracle reads: which stall window is open on which backend until when.
/// </summary>
internal sealed class LabBackends : IAsyncDisposable
{
    private readonly ScriptedBackend[] _backends;
    private readonly long[] _createdAt;
    private readonly long[] _stallEnd;
    private readonly Dictionary<string, int> _indexes;

    private LabBackends(ScriptedBackend[] backends, long[] createdAt)
    {
        _backends = backends;
        _createdAt = createdAt;
        _stallEnd = new long[backends.Length];
        _indexes = backends.Select((b, i) => (b.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<ScriptedBackend> Backends => _backends;

    public int Count => _backends.Length;

    public static async Task<LabBackends> StartAsync(LabPlan plan, int seed, int requestLogCapacity = 10_000)
    {
        var starts = new Task<ScriptedBackend>[plan.Backends.Count];
        var createdAt = new long[starts.Length];
        for (var i = 0; i < starts.Length; i++)
        {
            var behavior = new BackendBehavior();
            plan.Backends[i].ApplyTo(behavior);

            // A backend counts its stall windows from its creation, which happens synchronously inside StartAsync:
            // remember a time just before it (microseconds early).
            createdAt[i] = Stopwatch.GetTimestamp();
            starts[i] = ScriptedBackend.StartAsync(new BackendOptions { Name = plan.Backends[i].Name, Behavior = behavior, Seed = unchecked((seed * 7919) + i), RequestLogCapacity = requestLogCapacity });
        }

        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }

        var backends = starts.Select(s => s.Result).ToArray();
        return new LabBackends(backends, createdAt);
    }

    public int IndexOf(string name) => _indexes.TryGetValue(name, out var index) ? index : -1;

    /// <summary>Gets the <see cref="Stopwatch"/> timestamp at which the open stall window of backend <paramref name="index"/> closes (0 when none was opened).</summary>
    public long StallEnd(int index) => Volatile.Read(ref _stallEnd[index]);

    public long[] ReceivedCounts() => [.. _backends.Select(b => b.RequestsReceived)];

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
        var backend = _backends[index];
        var behavior = backend.Behavior;
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
                await backend.StopAsync().ConfigureAwait(false);
                break;
            case ScenarioChangeKind.Start:
                await backend.RestartAsync().ConfigureAwait(false);
                break;
            case ScenarioChangeKind.Stall:
                OpenStallWindow(index, change, due, timeline);
                break;
            default:
                throw new InvalidOperationException($"Timeline change '{change}' is not supported.");
        }
    }

    /// <summary>
    /// A scripted backend stalls in windows that open at every multiple of <see cref="BackendBehavior.StallEvery"/>
    /// since it was created. Setting the period to the time elapsed since creation opens a window now; the next
    /// window (at twice that time) is never reached, because the period is cleared when the window closes, unless
    /// another window of the timeline opens then.
    /// </summary>
    private void OpenStallWindow(int index, LabChange change, long due, IReadOnlyList<LabChange> timeline)
    {
        var behavior = _backends[index].Behavior;
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

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_backends.Select(b => b.DisposeAsync().AsTask())).ConfigureAwait(false);
}
