using System.Globalization;
using System.Text;
using System.Text.Json;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Warm start for one member of a fleet: writes what this client measured of its endpoints (latency estimate, failure
/// rate, requests) as one compact JSON document, and reads the other members' documents to give every endpoint this
/// client has not measured yet the median of theirs (<see cref="Feedback.EndpointStats.Seed"/>), instead of the
/// neutral prior. Bad documents — not JSON, a timestamp in the future, an endpoint this client does not know, a
/// latency that is not a positive number — are left out (the entry, or the whole document) with a warning naming the
/// key, once per value.
/// </summary>
internal sealed class FleetEstimates(string clientName, string selfKey, ILogger logger, TimeProvider timeProvider, TimeSpan interval)
{
    /// <summary>Endpoints measured on fewer requests than this are not published: too little to go on.</summary>
    public const int MinRequests = 3;

    /// <summary>How far ahead of this machine's clock a document's timestamp may be (clock skew).</summary>
    private static readonly TimeSpan s_maxSkew = TimeSpan.FromMinutes(1);

    private readonly object _lock = new();
    private Dictionary<string, Document> _documents = new(StringComparer.Ordinal);
    private Dictionary<string, double> _medians = new(StringComparer.Ordinal);
    private IReadOnlyList<BalancerEndpoint> _endpoints = [];
    private HashSet<string>? _known;
    private int _seeded;
    private int _members;

    /// <summary>Raised after the other members' documents were read again and applied.</summary>
    public event Action? Updated;

    /// <summary>Gets how many endpoints took an estimate from the fleet since this client started.</summary>
    public int Seeded => Volatile.Read(ref _seeded);

    /// <summary>Gets how many other members' documents the current medians come from.</summary>
    public int Members => Volatile.Read(ref _members);

    /// <summary>Gets the fleet's median latency of the endpoint with normalized address <paramref name="key"/>, if any member measured it.</summary>
    public TimeSpan? MedianOf(string key)
    {
        lock (_lock)
        {
            return _medians.TryGetValue(key, out var seconds) ? TimeSpan.FromSeconds(seconds) : null;
        }
    }

    /// <summary>Takes every endpoint of the service, to tell an unknown endpoint in a document.</summary>
    public void OnKnown(IReadOnlyList<Uri> endpoints)
    {
        HashSet<string> known = [.. endpoints.Select(e => e.AbsoluteUri)];
        lock (_lock)
        {
            if (_known is null || !_known.SetEquals(known))
            {
                _known = known;
                Recompute();
            }
        }
    }

    /// <summary>Takes the client's new endpoint set and seeds those it has not measured.</summary>
    public void OnEndpoints(IReadOnlyList<BalancerEndpoint> endpoints)
    {
        lock (_lock)
        {
            _endpoints = endpoints;
            SeedUnmeasured();
        }
    }

    /// <summary>Takes every document under the fleet's estimates prefix (key → value), as the prefix follower hands them over.</summary>
    public void OnDocuments(IReadOnlyDictionary<string, byte[]> values)
    {
        lock (_lock)
        {
            var documents = new Dictionary<string, Document>(values.Count, StringComparer.Ordinal);
            foreach (var (key, value) in values)
            {
                if (!string.Equals(key, selfKey, StringComparison.Ordinal))
                {
                    documents[key] = _documents.TryGetValue(key, out var known) && known.Value.AsSpan().SequenceEqual(value) ? known : Parse(key, value);
                }
            }

            _documents = documents;
            Recompute();
        }

        Updated?.Invoke();
    }

    /// <summary>The medians from the fresh documents, leaving out (and logging once) entries of endpoints the client does not know; then seeds. Under the lock.</summary>
    private void Recompute()
    {
        var stale = timeProvider.GetUtcNow() - TimeSpan.FromTicks(Math.Max(interval.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));
        var fresh = _documents.Where(d => d.Value.Latencies is not null && d.Value.At >= stale).ToList();
        var latencies = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var (key, document) in fresh)
        {
            foreach (var (endpoint, seconds) in document.Latencies!)
            {
                if (_known is { } known && !known.Contains(endpoint))
                {
                    if (document.LoggedUnknown.Add(endpoint))
                    {
                        Log.InvalidEstimates(logger, clientName, key, Quote(document.Value), $"names endpoint '{endpoint}', which this client does not know; the entry is left out");
                    }

                    continue;
                }

                if (!latencies.TryGetValue(endpoint, out var list))
                {
                    latencies[endpoint] = list = [];
                }

                list.Add(seconds);
            }
        }

        _medians = latencies.ToDictionary(l => l.Key, l => Median([.. l.Value]), StringComparer.Ordinal);
        Volatile.Write(ref _members, fresh.Count);
        SeedUnmeasured();
    }

    /// <summary>This client's document: the endpoints measured on at least <see cref="MinRequests"/> requests; null when there is none.</summary>
    public byte[]? Write()
    {
        IReadOnlyList<BalancerEndpoint> endpoints;
        lock (_lock)
        {
            endpoints = _endpoints;
        }

        var measured = endpoints.Where(e => e.Stats.TotalRequests >= MinRequests && e.Stats.Latency is not null).ToList();
        if (measured.Count == 0)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("at", timeProvider.GetUtcNow());
            json.WriteStartObject("endpoints");
            foreach (var endpoint in measured)
            {
                json.WriteStartObject(endpoint.Address.AbsoluteUri);
                json.WriteNumber("latencyMs", Math.Round(endpoint.Stats.LatencyEstimate.TotalMilliseconds, 3));
                json.WriteNumber("failureRate", Math.Round(endpoint.Stats.FailureRate, 4));
                json.WriteNumber("requests", endpoint.Stats.TotalRequests);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>Seeds every endpoint of the set that has no sample of its own with the fleet's median. Under the lock.</summary>
    private void SeedUnmeasured()
    {
        foreach (var endpoint in _endpoints)
        {
            if (endpoint.Stats.Latency is null && _medians.TryGetValue(endpoint.Address.AbsoluteUri, out var seconds) && endpoint.Stats.Seed(TimeSpan.FromSeconds(seconds)))
            {
                Interlocked.Increment(ref _seeded);
            }
        }
    }

    private Document Parse(string key, byte[] value)
    {
        var problems = new List<string>();
        var latencies = new List<KeyValuePair<string, double>>();
        DateTimeOffset at = default;
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("at", out var atElement) || !atElement.TryGetDateTimeOffset(out at)
                || !root.TryGetProperty("endpoints", out var endpoints) || endpoints.ValueKind != JsonValueKind.Object)
            {
                return Invalid(key, value, "is not an estimates document (an object with 'at' and 'endpoints')");
            }

            if (at > timeProvider.GetUtcNow() + s_maxSkew)
            {
                return Invalid(key, value, string.Create(CultureInfo.InvariantCulture, $"has a timestamp in the future ({at:O})"));
            }

            foreach (var entry in endpoints.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("latencyMs", out var latency)
                    || !latency.TryGetDouble(out var ms) || !(ms > 0) || ms > TimeSpan.FromDays(1).TotalMilliseconds)
                {
                    problems.Add($"gives endpoint '{entry.Name}' no positive latencyMs");
                }
                else
                {
                    latencies.Add(new(entry.Name, ms / 1000));
                }
            }
        }
        catch (JsonException)
        {
            return Invalid(key, value, "is not JSON");
        }

        foreach (var problem in problems)
        {
            Log.InvalidEstimates(logger, clientName, key, Quote(value), problem + "; the entry is left out");
        }

        return new Document(value, at, latencies);
    }

    private Document Invalid(string key, byte[] value, string problem)
    {
        Log.InvalidEstimates(logger, clientName, key, Quote(value), problem + "; it is left out");
        return new Document(value, default, null);
    }

    private static string Quote(byte[] value)
    {
        var text = Encoding.UTF8.GetString(value, 0, Math.Min(value.Length, EtcdConstants.MaxLoggedValueLength));
        return value.Length > EtcdConstants.MaxLoggedValueLength ? text + "…" : text;
    }

    /// <summary>One member's document: its bytes, when it was written, and the latencies (seconds) of the endpoints it measured; null latencies when invalid.</summary>
    private sealed record Document(byte[] Value, DateTimeOffset At, List<KeyValuePair<string, double>>? Latencies)
    {
        /// <summary>The unknown endpoints of this document already logged.</summary>
        public HashSet<string> LoggedUnknown { get; } = new(StringComparer.Ordinal);
    }
}
