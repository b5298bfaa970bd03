using System.Globalization;
using System.Text;
using System.Text.Json;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Warm start for one member of a fleet: writes what this client measured of its endpoints (recent mean latency,
/// failure rate, requests, and with MlScored the mean latency of each request class) as one compact JSON document, and
/// reads the other members' documents to give every endpoint this client has not measured yet the median of theirs
/// (<see cref="Feedback.EndpointStats.Seed"/>), and every request class it has not measured on an endpoint the median
/// of the members that keep as many classes (<see cref="IRequestClassEstimates.Seed"/>), instead of the neutral prior. Bad documents — not JSON, a timestamp in the future, an endpoint this client does not know, a
/// latency that is not a positive number — are left out (the entry, or the whole document) with a warning naming the
/// key, once per value.
/// </summary>
/// <remarks>
/// Shared ejection rides on the same documents: each lists the endpoints its member took out on its own evidence
/// (<c>out</c>: reason and end). An endpoint of this client's set is ejected here too when at least
/// <c>quorum</c> other members have it out and they outnumber the members that sent it requests since their previous
/// document without taking it out — within the client's own MaxEjectionPercent and panic rules. After such an
/// ejection ends, this client's own successful requests to the endpoint keep it in for as long as that quorum lasts.
/// </remarks>
internal sealed class FleetEstimates(string clientName, string selfKey, ILogger logger, TimeProvider timeProvider, TimeSpan interval, bool warmStart = true, int quorum = 0)
{
    /// <summary>Endpoints measured on fewer requests than this are not published: too little to go on.</summary>
    public const int MinRequests = 3;

    /// <summary>The largest <c>RouteClasses</c> MlScored allows.</summary>
    private const int MlScoredRouteClassesLimit = 1024;

    /// <summary>How far ahead of this machine's clock a document's timestamp may be (clock skew).</summary>
    private static readonly TimeSpan s_maxSkew = TimeSpan.FromMinutes(1);

    private readonly object _lock = new();
    private Dictionary<string, Document> _documents = new(StringComparer.Ordinal);
    private Dictionary<string, double> _medians = new(StringComparer.Ordinal);
    private IReadOnlyList<BalancerEndpoint> _endpoints = [];
    private HashSet<string>? _known;
    private readonly Dictionary<string, FleetEjection> _fleetEjections = new(StringComparer.Ordinal);
    private IEndpointHealthControl? _health;
    private IRequestClassEstimates? _classes;
    private Dictionary<string, ClassMedian[]> _classMedians = new(StringComparer.Ordinal);
    private int _seeded;
    private int _seededClasses;
    private int _members;
    private int _fleetEjected;

    /// <summary>Raised after the other members' documents were read again and applied.</summary>
    public event Action? Updated;

    /// <summary>Gets how many endpoints took an estimate from the fleet since this client started.</summary>
    public int Seeded => Volatile.Read(ref _seeded);

    /// <summary>Gets how many request classes of endpoints (MlScored's) took an estimate from the fleet since this client started.</summary>
    public int SeededClasses => Volatile.Read(ref _seededClasses);

    /// <summary>Gets how many times an endpoint was ejected here on the fleet's quorum since this client started.</summary>
    public int FleetEjected => Volatile.Read(ref _fleetEjected);

    /// <summary>Takes the client's health control, for verdicts and ejections on the fleet's quorum.</summary>
    public void Attach(IEndpointHealthControl health)
    {
        lock (_lock)
        {
            _health = health;
        }
    }

    /// <summary>Takes the client's request-class estimates, to publish them and seed them from the fleet's.</summary>
    public void Attach(IRequestClassEstimates classes)
    {
        lock (_lock)
        {
            _classes = classes;
        }
    }

    /// <summary>The fleet's median latency (seconds) and samples of each request class of the endpoint with normalized address <paramref name="key"/>, from members that keep as many classes as this client.</summary>
    public IReadOnlyList<ClassMedian> ClassMediansOf(string key)
    {
        lock (_lock)
        {
            return _classMedians.GetValueOrDefault(key) ?? [];
        }
    }

    /// <summary>The number of other members that have the endpoint out now (fresh documents).</summary>
    public int VerdictsOn(string key)
    {
        lock (_lock)
        {
            var now = timeProvider.GetUtcNow();
            return Fresh().Count(d => d.Value.HasOut(key, now));
        }
    }

    /// <summary>The endpoints of the set that other members have out now, with how many: <c>http://…/ (3 members)</c>, or empty.</summary>
    public string DescribeVerdicts()
    {
        lock (_lock)
        {
            var now = timeProvider.GetUtcNow();
            var fresh = Fresh();
            var parts = new List<string>();
            foreach (var endpoint in _endpoints)
            {
                var key = endpoint.Address.AbsoluteUri;
                var count = fresh.Count(d => d.Value.HasOut(key, now));
                if (count > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{key} ({count} {(count == 1 ? "member" : "members")}{(_fleetEjections.ContainsKey(key) ? ", ejected here on the quorum" : string.Empty)})"));
                }
            }

            return string.Join(", ", parts);
        }
    }

    /// <summary>Checks the quorums again (an ejection ended, a verdict expired): called every second by the fleet.</summary>
    public void Tick()
    {
        lock (_lock)
        {
            EvaluateQuorums(Fresh());
        }
    }

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
                    var previous = _documents.GetValueOrDefault(key);
                    documents[key] = previous is not null && previous.Value.AsSpan().SequenceEqual(value) ? previous : Parse(key, value, previous);
                }
            }

            _documents = documents;
            Recompute();
        }

        Updated?.Invoke();
    }

    /// <summary>The valid documents written within three intervals (at least 30 s). Under the lock.</summary>
    private List<KeyValuePair<string, Document>> Fresh()
    {
        var stale = timeProvider.GetUtcNow() - TimeSpan.FromTicks(Math.Max(interval.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));
        return [.. _documents.Where(d => d.Value.Latencies is not null && d.Value.At >= stale)];
    }

    /// <summary>
    /// Ejects here each endpoint of the set that a quorum of other members has out, unless this client took it out
    /// already or its own successes brought it back since a fleet ejection ended. Under the lock.
    /// </summary>
    private void EvaluateQuorums(List<KeyValuePair<string, Document>> fresh)
    {
        if (quorum <= 0 || _health is not { } health)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var gone in _fleetEjections.Keys.Where(k => !_endpoints.Any(e => e.Address.AbsoluteUri == k)).ToList())
        {
            _fleetEjections.Remove(gone); // an endpoint that left the set leaves nothing behind
        }

        foreach (var endpoint in _endpoints)
        {
            var key = endpoint.Address.AbsoluteUri;
            var untils = new List<DateTimeOffset?>();
            var against = 0;
            foreach (var (_, document) in fresh)
            {
                if (document.Out.TryGetValue(key, out var until) && (until is null || until > now))
                {
                    untils.Add(until);
                }
                else if (document.Active.Contains(key))
                {
                    against++;
                }
            }

            var agree = untils.Count;
            var formed = agree >= quorum && agree > against;
            _fleetEjections.TryGetValue(key, out var last);
            if (!formed)
            {
                continue;
            }

            // Still out from the fleet's ejection; or, since it ended, this client's own requests reached it and the
            // last of them succeeded: its own evidence outweighs the fleet's until it fails here too (then outlier
            // detection takes it out on its own evidence), or it goes quiet here.
            if (last is not null && (now < last.Until || (endpoint.Stats.TotalRequests > last.RequestsAtEjection && endpoint.Stats.ConsecutiveFailures == 0)))
            {
                continue;
            }

            var ends = untils.Where(u => u is not null).Select(u => u!.Value).OrderBy(u => u).ToList();
            var end = ends.Count > 0 ? ends[ends.Count / 2] : now + (interval * 3);
            var duration = end - now < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : end - now;
            var reason = string.Create(CultureInfo.InvariantCulture, $"out for {agree} fleet members (quorum {quorum}; {against} members with traffic against)");
            if (health.Eject(endpoint, duration, reason))
            {
                _fleetEjections[key] = new FleetEjection(now + duration, endpoint.Stats.TotalRequests);
                Interlocked.Increment(ref _fleetEjected);
            }
        }
    }

    /// <summary>The medians (weighed by requests) from the fresh documents, leaving out (and logging once) entries of endpoints the client does not know; then seeds and checks the quorums. Under the lock.</summary>
    private void Recompute()
    {
        var fresh = Fresh();
        var latencies = new Dictionary<string, List<(double Seconds, double Samples)>>(StringComparer.Ordinal);
        foreach (var (key, document) in fresh)
        {
            foreach (var (endpoint, seconds) in document.Latencies!)
            {
                if (_known is { } known && !known.Contains(endpoint))
                {
                    if (document.LoggedUnknown.Add(endpoint))
                    {
                        Log.InvalidEstimates(logger, clientName, key, EtcdKeys.Quote(document.Value), $"names endpoint '{endpoint}', which this client does not know; the entry is left out");
                    }

                    continue;
                }

                if (!latencies.TryGetValue(endpoint, out var list))
                {
                    latencies[endpoint] = list = [];
                }

                // Weighed by the member's requests to the endpoint (1 when its document gives none).
                list.Add((seconds, document.Requests.TryGetValue(endpoint, out var requests) ? Math.Max(requests, 1) : 1));
            }
        }

        _medians = latencies.ToDictionary(l => l.Key, l => WeightedMedian(l.Value), StringComparer.Ordinal);
        _classMedians = ClassMedians(fresh);
        Volatile.Write(ref _members, fresh.Count);
        if (warmStart)
        {
            SeedUnmeasured();
        }

        EvaluateQuorums(fresh);
    }

    /// <summary>
    /// The median latency of each request class per endpoint (each member weighed by its samples), from the fresh documents written with as many classes as
    /// this client's selector keeps (a member with another <c>RouteClasses</c> numbers them otherwise: logged once, left
    /// out); empty when the selector learns no classes. Under the lock.
    /// </summary>
    private Dictionary<string, ClassMedian[]> ClassMedians(List<KeyValuePair<string, Document>> fresh)
    {
        var classes = _classes?.Classes ?? 0;
        var samples = new Dictionary<string, Dictionary<int, List<(double Seconds, double Samples)>>>(StringComparer.Ordinal);
        foreach (var (key, document) in fresh)
        {
            if (classes == 0 || document.ClassLatencies.Count == 0)
            {
                continue;
            }

            if (document.RouteClasses != classes)
            {
                if (!document.LoggedClassMismatch)
                {
                    document.LoggedClassMismatch = true;
                    Log.InvalidEstimates(logger, clientName, key, EtcdKeys.Quote(document.Value), string.Create(CultureInfo.InvariantCulture, $"numbers {document.RouteClasses} request classes where this client's selector keeps {classes} (MlScored RouteClasses differ); its class estimates are left out"));
                }

                continue;
            }

            foreach (var (endpoint, classIndex, seconds, count) in document.ClassLatencies)
            {
                if (_known is { } known && !known.Contains(endpoint))
                {
                    continue; // logged with the endpoint's latency
                }

                if (!samples.TryGetValue(endpoint, out var byClass))
                {
                    samples[endpoint] = byClass = [];
                }

                if (!byClass.TryGetValue(classIndex, out var list))
                {
                    byClass[classIndex] = list = [];
                }

                list.Add((seconds, count));
            }
        }

        return samples.ToDictionary(
            e => e.Key,
            e => e.Value.Select(c => new ClassMedian(c.Key, WeightedMedian(c.Value), Median([.. c.Value.Select(v => v.Samples)]))).OrderBy(c => c.Class).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>This client's document, and the endpoints it has out on its own evidence (a change there is worth a write at once).</summary>
    public byte[]? Write(out string outKeys)
    {
        IReadOnlyList<BalancerEndpoint> endpoints;
        IEndpointHealthControl? health;
        IRequestClassEstimates? classes;
        HashSet<string> fleetEjected;
        lock (_lock)
        {
            endpoints = _endpoints;
            health = _health;
            classes = _classes;
            fleetEjected = [.. _fleetEjections.Where(f => f.Value.Until > timeProvider.GetUtcNow()).Select(f => f.Key)];
        }

        // The fleet's own ejections are not this member's evidence: they are left out, so that no verdict echoes.
        var verdicts = quorum > 0 && health is not null
            ? health.GetVerdicts().Where(v => !fleetEjected.Contains(v.Endpoint.Address.AbsoluteUri)).ToList()
            : [];
        outKeys = string.Join(" ", verdicts.Select(v => v.Endpoint.Address.AbsoluteUri).Order(StringComparer.Ordinal));
        var measured = endpoints.Where(e => e.Stats.TotalRequests >= MinRequests && e.Stats.MeanLatency is not null).ToList();
        if (measured.Count == 0 && verdicts.Count == 0)
        {
            return null;
        }

        var routeClasses = classes?.Classes ?? 0;
        var read = routeClasses > 0 ? new RequestClassLatency[routeClasses] : [];
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("at", timeProvider.GetUtcNow());
            if (routeClasses > 0)
            {
                json.WriteNumber("routeClasses", routeClasses);
            }

            json.WriteStartObject("endpoints");
            foreach (var endpoint in measured)
            {
                json.WriteStartObject(endpoint.Address.AbsoluteUri);
                json.WriteNumber("latencyMs", Math.Round(endpoint.Stats.MeanLatency!.Value.TotalMilliseconds, 3));
                json.WriteNumber("failureRate", Math.Round(endpoint.Stats.FailureRate, 4));
                json.WriteNumber("requests", endpoint.Stats.TotalRequests);
                var count = classes?.Read(endpoint, read) ?? 0;
                if (count > 0)
                {
                    // Class number → mean latency in ms and the recent samples it rests on, the classes this member tried itself.
                    json.WriteStartObject("classes");
                    foreach (var entry in read.AsSpan(0, count))
                    {
                        json.WriteStartObject(entry.RequestClass.ToString(CultureInfo.InvariantCulture));
                        json.WriteNumber("latencyMs", Math.Round(entry.Latency.TotalMilliseconds, 3));
                        json.WriteNumber("samples", Math.Round(entry.Samples, 1));
                        json.WriteEndObject();
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartObject("out");
            foreach (var verdict in verdicts)
            {
                json.WriteStartObject(verdict.Endpoint.Address.AbsoluteUri);
                json.WriteString("reason", verdict.Reason);
                if (verdict.Until is { } until)
                {
                    json.WriteString("until", until);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// The median latency of the members' estimates of one endpoint (or of one request class on it), each weighed by
    /// the requests (or samples) it rests on: a member that tried it a few times, on a new connection with cold code
    /// that can answer several times slower than later, counts for less than one that served it often. The plain
    /// median when no weight is positive.
    /// </summary>
    private static double WeightedMedian(List<(double Seconds, double Samples)> estimates)
    {
        var total = estimates.Sum(e => e.Samples);
        if (!(total > 0))
        {
            return Median([.. estimates.Select(e => e.Seconds)]);
        }

        var half = total / 2;
        var sorted = estimates.OrderBy(e => e.Seconds).ToArray();
        var below = 0.0;
        for (var i = 0; i < sorted.Length; i++)
        {
            below += sorted[i].Samples;
            if (below > half)
            {
                return sorted[i].Seconds;
            }

            if (below == half && i + 1 < sorted.Length)
            {
                return (sorted[i].Seconds + sorted[i + 1].Seconds) / 2; // exactly half the weight on each side
            }
        }

        return sorted[^1].Seconds;
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>Seeds every endpoint of the set that has no sample of its own, and each of its request classes without one, with the fleet's median. Under the lock.</summary>
    private void SeedUnmeasured()
    {
        foreach (var endpoint in _endpoints)
        {
            // Seed does nothing once the endpoint (the class) has a sample of its own.
            if (_medians.TryGetValue(endpoint.Address.AbsoluteUri, out var seconds) && endpoint.Stats.Seed(TimeSpan.FromSeconds(seconds)))
            {
                Interlocked.Increment(ref _seeded);
            }

            if (_classes is { } classes && _classMedians.TryGetValue(endpoint.Address.AbsoluteUri, out var byClass))
            {
                foreach (var median in byClass)
                {
                    if (classes.Seed(endpoint, median.Class, TimeSpan.FromSeconds(median.Seconds), median.Samples))
                    {
                        Interlocked.Increment(ref _seededClasses);
                    }
                }
            }
        }
    }

    private Document Parse(string key, byte[] value, Document? previous)
    {
        var problems = new List<string>();
        var latencies = new List<KeyValuePair<string, double>>();
        var requests = new Dictionary<string, long>(StringComparer.Ordinal);
        var outs = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        var classLatencies = new List<(string Endpoint, int Class, double Seconds, double Samples)>();
        var routeClasses = 0;
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

            if (root.TryGetProperty("routeClasses", out var classCount) && (!classCount.TryGetInt32(out routeClasses) || routeClasses < 1 || routeClasses > MlScoredRouteClassesLimit))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"gives routeClasses {classCount.GetRawText()}, not a whole number from 1 to {MlScoredRouteClassesLimit}; its class estimates are left out"));
                routeClasses = 0;
            }

            foreach (var entry in endpoints.EnumerateObject())
            {
                if (!TryGetLatencyMs(entry.Value, out var ms))
                {
                    problems.Add($"gives endpoint '{entry.Name}' no positive latencyMs");
                }
                else
                {
                    latencies.Add(new(entry.Name, ms / 1000));
                    if (entry.Value.TryGetProperty("requests", out var count) && count.TryGetInt64(out var n))
                    {
                        requests[entry.Name] = n;
                    }

                    if (routeClasses > 0 && entry.Value.TryGetProperty("classes", out var classes))
                    {
                        ParseClasses(entry.Name, classes, routeClasses, classLatencies, problems);
                    }
                }
            }

            if (root.TryGetProperty("out", out var outElement) && outElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in outElement.EnumerateObject())
                {
                    DateTimeOffset? until = entry.Value.ValueKind == JsonValueKind.Object && entry.Value.TryGetProperty("until", out var u) && u.TryGetDateTimeOffset(out var parsed) ? parsed : null;
                    outs[entry.Name] = until;
                }
            }
        }
        catch (JsonException)
        {
            return Invalid(key, value, "is not JSON");
        }

        foreach (var problem in problems)
        {
            Log.InvalidEstimates(logger, clientName, key, EtcdKeys.Quote(value), problem + "; the entry is left out");
        }

        // Requests since the member's previous document: it sent the endpoint traffic lately, and can speak for it.
        HashSet<string> active = [.. requests.Where(r => previous?.Requests.TryGetValue(r.Key, out var before) == true && r.Value > before).Select(r => r.Key)];
        return new Document(value, at, latencies) { Requests = requests, Out = outs, Active = active, RouteClasses = routeClasses, ClassLatencies = classLatencies };
    }

    /// <summary>An endpoint's <c>classes</c>: class number (0 to <paramref name="routeClasses"/> − 1) → positive <c>latencyMs</c> and <c>samples</c> (1 when missing); a bad entry is a problem, the others are kept.</summary>
    private static void ParseClasses(string endpoint, JsonElement classes, int routeClasses, List<(string Endpoint, int Class, double Seconds, double Samples)> into, List<string> problems)
    {
        if (classes.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"gives endpoint '{endpoint}' classes that are not an object");
            return;
        }

        foreach (var entry in classes.EnumerateObject())
        {
            double samples = 1;
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var classIndex) || classIndex >= routeClasses
                || !TryGetLatencyMs(entry.Value, out var ms)
                || (entry.Value.TryGetProperty("samples", out var count) && (!count.TryGetDouble(out samples) || !(samples >= 0) || !double.IsFinite(samples))))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"gives endpoint '{endpoint}' class '{entry.Name}' = {entry.Value.GetRawText()}, not a class from 0 to {routeClasses - 1} with a positive latencyMs and samples of 0 or more"));
                continue;
            }

            into.Add((endpoint, classIndex, ms / 1000, samples));
        }
    }

    /// <summary>Whether <paramref name="entry"/> is an object whose <c>latencyMs</c> is a positive number of milliseconds, at most a day.</summary>
    private static bool TryGetLatencyMs(JsonElement entry, out double ms)
    {
        ms = 0;
        return entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("latencyMs", out var latency)
            && latency.TryGetDouble(out ms) && ms > 0 && ms <= TimeSpan.FromDays(1).TotalMilliseconds;
    }

    private Document Invalid(string key, byte[] value, string problem)
    {
        Log.InvalidEstimates(logger, clientName, key, EtcdKeys.Quote(value), problem + "; it is left out");
        return new Document(value, default, null);
    }


    /// <summary>One member's document: its bytes, when it was written, and the latencies (seconds) of the endpoints it measured; null latencies when invalid.</summary>
    private sealed record Document(byte[] Value, DateTimeOffset At, List<KeyValuePair<string, double>>? Latencies)
    {
        /// <summary>The member's request count per endpoint.</summary>
        public Dictionary<string, long> Requests { get; init; } = [];

        /// <summary>The endpoints the member has out on its own evidence, with the end of each (null: until a check succeeds).</summary>
        public Dictionary<string, DateTimeOffset?> Out { get; init; } = [];

        /// <summary>The endpoints the member sent requests to since its previous document.</summary>
        public HashSet<string> Active { get; init; } = [];

        /// <summary>Whether the member has the endpoint with normalized address <paramref name="key"/> out at <paramref name="now"/>.</summary>
        public bool HasOut(string key, DateTimeOffset now) => Out.TryGetValue(key, out var until) && (until is null || until > now);

        /// <summary>The number of request classes its member's selector keeps; 0 when it published none.</summary>
        public int RouteClasses { get; init; }

        /// <summary>The member's mean latency (seconds) per endpoint and request class.</summary>
        public List<(string Endpoint, int Class, double Seconds, double Samples)> ClassLatencies { get; init; } = [];

        /// <summary>Whether a class count other than this client's was logged already.</summary>
        public bool LoggedClassMismatch { get; set; }

        /// <summary>The unknown endpoints of this document already logged.</summary>
        public HashSet<string> LoggedUnknown { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>An ejection on the fleet's quorum: when it ends, and the endpoint's request count then (to tell this client's own later successes).</summary>
internal sealed record FleetEjection(DateTimeOffset Until, long RequestsAtEjection);

/// <summary>The fleet's median of one request class on one endpoint: the class, the latency (seconds) and the samples the members' estimates rest on.</summary>
internal readonly record struct ClassMedian(int Class, double Seconds, double Samples);
