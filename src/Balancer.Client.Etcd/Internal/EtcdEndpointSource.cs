using System.Text;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Publishes the instances registered under a key prefix: reads the prefix, then follows it with a watch from the next
/// revision, so no change is lost. A broken watch is resumed from the last revision seen; a watch that fell behind a
/// compaction reads the prefix again.
/// </summary>
internal sealed class EtcdEndpointSource : IEndpointSource, IDisposable
{
    private readonly string _clientName;
    private readonly EtcdEndpointSourceOptions _options;
    private readonly ILogger _logger;
    private readonly EtcdGateway _gateway;
    private readonly string _prefix;
    private readonly string _scheme;
    private readonly byte[] _key;
    private readonly byte[] _rangeEnd;

    // Used by one RunAsync at a time (the client starts a source again only after its previous run ended).
    private Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private long _revision;
    private TimeSpan _delay;

    private readonly HttpClient? _ownedClient;

    /// <summary>A source that calls etcd through <paramref name="http"/>, or through a client of its own when the options name certificates.</summary>
    public EtcdEndpointSource(string clientName, EtcdEndpointSourceOptions options, Func<HttpClient> http, ILogger logger)
    {
        _clientName = clientName;
        _options = options;
        _logger = logger;
        _ownedClient = EtcdTransport.HasCertificates(options) ? EtcdTransport.CreateClient(options) : null;
        _gateway = new EtcdGateway(_ownedClient ?? http(), options.Endpoints, options.RequestTimeout, options.Username, options.Password);
        _prefix = options.Prefix!;
        _scheme = string.Equals(options.Scheme, "https", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        _key = EtcdKeys.Encode(_prefix);
        _rangeEnd = EtcdKeys.PrefixRangeEnd(_key);
        _delay = options.RetryDelay;
    }

    public async Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_revision == 0)
                {
                    await LoadAsync(publisher, cancellationToken).ConfigureAwait(false);
                }

                await WatchAsync(publisher, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Every failure is reported; the last good set stays and the source tries again.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                publisher.ReportError(exception);
                try
                {
                    await Task.Delay(Jitter(_delay), publisher.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    public override string ToString() => "etcd:" + _prefix;

    public void Dispose() => _ownedClient?.Dispose();

#pragma warning disable CA5394 // Jitter spreads the retries of many clients; it needs no secure randomness.
    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394

    private static string Quote(byte[] value)
    {
        var text = Encoding.UTF8.GetString(value, 0, Math.Min(value.Length, EtcdConstants.MaxLoggedValueLength));
        return value.Length > EtcdConstants.MaxLoggedValueLength ? text + "…" : text;
    }

    /// <summary>Reads every key under the prefix and publishes them; the watch goes on from the revision of this read.</summary>
    private async Task LoadAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        var response = await _gateway.RangeAsync(_key, _rangeEnd, cancellationToken).ConfigureAwait(false);
        var revision = response.Header?.Revision ?? 0;
        if (revision <= 0)
        {
            throw new EtcdException($"etcd at {_gateway.Current} answered the read of '{_prefix}' without a revision.");
        }

        var next = new Dictionary<string, Instance>(StringComparer.Ordinal);
        foreach (var kv in response.Kvs ?? [])
        {
            var key = EtcdKeys.Decode(kv.Key);
            next[key] = Parse(publisher, key, kv.Value ?? []);
        }

        _instances = next;
        _revision = revision;
        Publish(publisher);
    }

    /// <summary>Follows the prefix until the watch breaks (throws) or fell behind a compaction (returns, to read again).</summary>
    private async Task WatchAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        await foreach (var response in _gateway.WatchAsync(_key, _rangeEnd, _revision + 1, cancellationToken).ConfigureAwait(false))
        {
            if (response.Canceled)
            {
                if (response.CompactRevision > 0)
                {
                    Log.Compacted(_logger, _clientName, _prefix, response.CompactRevision);
                    _revision = 0;
                    return;
                }

                throw new EtcdException($"etcd at {_gateway.Current} canceled the watch of '{_prefix}': {response.CancelReason ?? "no reason given"}.");
            }

            if (response.Created)
            {
                _delay = _options.RetryDelay;
                Log.Watching(_logger, _clientName, _prefix, _gateway.Current, _revision + 1);
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
                    _instances.Remove(key);
                }
                else
                {
                    _instances[key] = Parse(publisher, key, kv.Value ?? []);
                }

                _revision = Math.Max(_revision, kv.ModRevision);
            }

            Publish(publisher);
        }
    }

    private Instance Parse(IEndpointPublisher publisher, string key, byte[] value)
    {
        if (_instances.TryGetValue(key, out var known) && known.Value.AsSpan().SequenceEqual(value))
        {
            return known; // unchanged: parsed (and, when invalid, logged) already
        }

        if (!EtcdValueParser.TryParse(value, out var endpoint, out var problem, _scheme))
        {
            Log.InvalidValue(_logger, _clientName, key, Quote(value), problem);
            return new Instance(value, null);
        }

        if (publisher.CheckAddress(endpoint.Address!) is { } refused)
        {
            Log.RefusedValue(_logger, _clientName, key, Quote(value), refused);
            return new Instance(value, null);
        }

        return new Instance(value, endpoint);
    }

    private void Publish(IEndpointPublisher publisher) =>
        publisher.Publish([.. _instances.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => i.Value.Endpoint).OfType<BalancerEndpointOptions>()]);

    /// <summary>The value of one key, and the endpoint it describes (<see langword="null"/> when invalid).</summary>
    private sealed record Instance(byte[] Value, BalancerEndpointOptions? Endpoint);
}
