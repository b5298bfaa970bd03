using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Follows every key under a prefix: reads the prefix, then watches it from the next revision, so no change is lost,
/// and hands the whole set of keys and values over after every change. A broken watch is resumed from the last
/// revision seen; a watch that fell behind a compaction reads the prefix again. Failures are reported and retried
/// after a delay that doubles up to a maximum (±20 % jitter) and starts over once a watch is established.
/// </summary>
/// <remarks>One <see cref="RunAsync"/> at a time.</remarks>
internal sealed class EtcdPrefixFollower(EtcdGateway gateway, string prefix, string owner, ILogger logger, TimeSpan retryDelay, TimeSpan maxRetryDelay)
{
    private readonly byte[] _key = EtcdKeys.Encode(prefix);
    private readonly byte[] _rangeEnd = EtcdKeys.PrefixRangeEnd(EtcdKeys.Encode(prefix));
    private Dictionary<string, byte[]> _values = new(StringComparer.Ordinal);
    private long _revision;
    private TimeSpan _delay;
    private Action? _watching;

    /// <summary>Gets the prefix followed.</summary>
    public string Prefix => prefix;

    /// <summary>
    /// Follows the prefix until <paramref name="cancellationToken"/> is canceled: <paramref name="changed"/> gets every
    /// key and value after the first read and after every change, <paramref name="failed"/> every failure (then the
    /// follower waits and tries again), <paramref name="watching"/> each time a watch is established.
    /// </summary>
    public async Task RunAsync(Action<IReadOnlyDictionary<string, byte[]>> changed, Action<Exception> failed, TimeProvider timeProvider, CancellationToken cancellationToken, Action? watching = null)
    {
        _watching = watching;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_revision == 0)
                {
                    await LoadAsync(changed, cancellationToken).ConfigureAwait(false);
                }

                await WatchAsync(changed, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Every failure is reported; the caller keeps what it had and the follower tries again.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failed(exception);
                try
                {
                    _delay = _delay == TimeSpan.Zero ? retryDelay : _delay;
                    await Task.Delay(Jitter(_delay), timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, maxRetryDelay.Ticks));
            }
        }
    }

#pragma warning disable CA5394 // Jitter spreads the retries of many clients; it needs no secure randomness.
    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394

    /// <summary>Reads every key under the prefix; the watch goes on from the revision of this read.</summary>
    private async Task LoadAsync(Action<IReadOnlyDictionary<string, byte[]>> changed, CancellationToken cancellationToken)
    {
        var response = await gateway.RangeAsync(_key, _rangeEnd, cancellationToken).ConfigureAwait(false);
        var revision = response.Header?.Revision ?? 0;
        if (revision <= 0)
        {
            throw new EtcdException($"etcd at {gateway.Current} answered the read of '{prefix}' without a revision.");
        }

        var next = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var kv in response.Kvs ?? [])
        {
            next[EtcdKeys.Decode(kv.Key)] = kv.Value ?? [];
        }

        _values = next;
        _revision = revision;
        changed(_values);
    }

    /// <summary>Follows the prefix until the watch breaks (throws) or fell behind a compaction (returns, to read again).</summary>
    private async Task WatchAsync(Action<IReadOnlyDictionary<string, byte[]>> changed, CancellationToken cancellationToken)
    {
        await foreach (var response in gateway.WatchAsync(_key, _rangeEnd, _revision + 1, cancellationToken).ConfigureAwait(false))
        {
            if (response.Canceled)
            {
                if (response.CompactRevision > 0)
                {
                    Log.Compacted(logger, owner, prefix, response.CompactRevision);
                    _revision = 0;
                    return;
                }

                throw new EtcdException($"etcd at {gateway.Current} canceled the watch of '{prefix}': {response.CancelReason ?? "no reason given"}.");
            }

            if (response.Created)
            {
                _delay = TimeSpan.Zero;
                Log.Watching(logger, owner, prefix, gateway.Current, _revision + 1);
                _watching?.Invoke();
                continue;
            }

            if (response.Events is not { Length: > 0 } events)
            {
                // A progress notification: every change up to this revision has been delivered.
                _revision = Math.Max(_revision, response.Header?.Revision ?? 0);
                continue;
            }

            foreach (var change in events)
            {
                if (change.Kv is not { } kv)
                {
                    continue;
                }

                var key = EtcdKeys.Decode(kv.Key);
                if (string.Equals(change.Type, "DELETE", StringComparison.Ordinal))
                {
                    _values.Remove(key);
                }
                else
                {
                    _values[key] = kv.Value ?? [];
                }

                _revision = Math.Max(_revision, kv.ModRevision);
            }

            changed(_values);
        }
    }
}
