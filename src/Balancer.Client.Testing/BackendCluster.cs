using System.Collections;

namespace Balancer.Client.Testing;

/// <summary>Several <see cref="ScriptedBackend"/>s started and disposed together, with helpers to compare their traffic.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "A cluster of backends, not a general-purpose collection.")]
public sealed class BackendCluster : IAsyncDisposable, IReadOnlyList<ScriptedBackend>
{
    private readonly ScriptedBackend[] _backends;

    private BackendCluster(ScriptedBackend[] backends) => _backends = backends;

    /// <summary>Gets the number of backends.</summary>
    public int Count => _backends.Length;

    /// <summary>Gets the backend at <paramref name="index"/>, in the order they were configured.</summary>
    /// <param name="index">The zero-based index.</param>
    public ScriptedBackend this[int index] => _backends[index];

    /// <summary>Starts <paramref name="count"/> backends at once, named <c>backend-0</c>, <c>backend-1</c>, … unless <paramref name="configure"/> renames them.</summary>
    /// <param name="count">The number of backends, at least 1.</param>
    /// <param name="configure">Adjusts the options of the backend with the given index before it starts.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running cluster; dispose it to stop every backend.</returns>
    public static async Task<BackendCluster> StartAsync(int count, Action<int, BackendOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var options = new BackendOptions[count];
        for (var i = 0; i < count; i++)
        {
            options[i] = new BackendOptions { Name = $"backend-{i}" };
            configure?.Invoke(i, options[i]);
        }

        if (options.Select(o => o.Name).Distinct(StringComparer.Ordinal).Count() != count)
        {
            throw new ArgumentException("Backend names must be unique within a cluster.", nameof(configure));
        }

        var starts = options.Select(o => ScriptedBackend.StartAsync(o, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new BackendCluster([.. starts.Select(s => s.Result)]);
    }

    /// <summary>Finds a backend by name.</summary>
    /// <param name="name">The name, as in <see cref="BackendHeaders.Backend"/>.</param>
    /// <returns>The backend, or <see langword="null"/> when none has that name.</returns>
    public ScriptedBackend? Find(string name) => Array.Find(_backends, b => string.Equals(b.Name, name, StringComparison.Ordinal));

    /// <summary>Resets the counters of every backend (see <see cref="ScriptedBackend.ResetCounters"/>).</summary>
    public void ResetCounters()
    {
        foreach (var backend in _backends)
        {
            backend.ResetCounters();
        }
    }

    /// <summary>Gets the number of requests received by all backends together.</summary>
    public long TotalReceived => _backends.Sum(b => b.RequestsReceived);

    /// <summary>Returns <see cref="ScriptedBackend.RequestsReceived"/> per backend name.</summary>
    /// <returns>A snapshot keyed by backend name.</returns>
    public IReadOnlyDictionary<string, long> ReceivedCounts() => _backends.ToDictionary(b => b.Name, b => b.RequestsReceived, StringComparer.Ordinal);

    /// <summary>Returns <see cref="ScriptedBackend.RequestsServed"/> per backend name.</summary>
    /// <returns>A snapshot keyed by backend name.</returns>
    public IReadOnlyDictionary<string, long> ServedCounts() => _backends.ToDictionary(b => b.Name, b => b.RequestsServed, StringComparer.Ordinal);

    /// <summary>Returns each backend's share of the requests received by the whole cluster, from 0 to 1 (all 0 before any request).</summary>
    /// <returns>A snapshot keyed by backend name.</returns>
    public IReadOnlyDictionary<string, double> ReceivedShares()
    {
        var counts = _backends.Select(b => (b.Name, Count: b.RequestsReceived)).ToArray();
        var total = counts.Sum(c => c.Count);
        return counts.ToDictionary(c => c.Name, c => total == 0 ? 0 : (double)c.Count / total, StringComparer.Ordinal);
    }

    /// <summary>Returns an enumerator over the backends, in the order they were configured.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<ScriptedBackend> GetEnumerator() => ((IEnumerable<ScriptedBackend>)_backends).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Stops every backend for good.</summary>
    /// <returns>A task that completes when all have stopped.</returns>
    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_backends.Select(b => b.DisposeAsync().AsTask())).ConfigureAwait(false);
}
