using System.Globalization;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;

namespace Balancer.Client.Selection;

/// <summary>
/// Prequal (Wydrowski et al., NSDI 2024): picks by the servers' own load, probed asynchronously, with the hot-cold
/// rule. The servers report their requests in flight and recent latency (<c>app.UseBalancerLoadReports()</c>) on
/// probes and on every response; the selector keeps the last <see cref="PrequalOptions.PoolSize"/> results (one per
/// endpoint) for <see cref="PrequalOptions.MaxProbeAge"/>, each serving <see cref="PrequalOptions.MaxUses"/> picks
/// while 3 unspent ones remain. A result's requests in flight relax towards the server's mean as it ages, and each
/// pick it served adds one. A result is hot when they are above the <see cref="PrequalOptions.HotQuantile"/> of the
/// pool's; a pick takes the cheaper of two random cold results within <see cref="PrequalConstants.GoodCostFactor"/> of
/// the cheapest (the client's own mean latency × the server's load above its usual × failure penalty ÷ weight), or the
/// least loaded hot one when all are hot. Without 3 usable results (the first picks, servers without the reports, probes failing) it picks as
/// <see cref="LeastLatencySelector"/> does, and the inspection API says so. docs/selectors.md has the formula and the
/// lab's figures.
/// </summary>
internal sealed class PrequalSelector : IEndpointSelector, IInspectableSelector, IReconfigurableSelector, IFeedbackObserver, IDisposable
{
    private readonly RandomSource _random;
    private readonly TimeProvider _timeProvider;
    private readonly LeastLatencySelector _fallback;
    private readonly PrequalProber? _prober;
    private PrequalSettings _settings;
    private ProbePool _pool;
    private SnapshotCache<PoolMembers> _members;
    private long _probedPicks;
    private long _fallbackPicks;
    private long _piggybacked;

    public PrequalSelector(RandomSource random, TimeProvider timeProvider, PrequalOptions options, IHealthCheckTransport? transport)
    {
        _random = random;
        _timeProvider = timeProvider;
        _fallback = new LeastLatencySelector(random, timeProvider);
        _settings = new PrequalSettings(options, timeProvider.TimestampFrequency);
        _pool = new ProbePool(_settings.PoolSize);
        _prober = transport is null ? null : new PrequalProber(transport, timeProvider, _settings, Add);
    }

    /// <summary>Picks made from probe results.</summary>
    public long ProbedPicks => Interlocked.Read(ref _probedPicks);

    /// <summary>Picks made from client-side estimates, for want of a usable probe result.</summary>
    public long FallbackPicks => Interlocked.Read(ref _fallbackPicks);

    /// <summary>Load reports taken from ordinary responses.</summary>
    public long Piggybacked => Interlocked.Read(ref _piggybacked);

    public bool UsesNetworkProbes => false;

    public string ScoreDescription
    {
        get
        {
            var settings = Volatile.Read(ref _settings);
            if (_prober is null)
            {
                return "no probes (the client has no HTTP transport): client-side estimates, as LeastLatency (expected latency in ms; the lowest wins)";
            }

            var counts = string.Create(CultureInfo.InvariantCulture, $"probes sent {_prober.Sent}, with a load report {_prober.Reported}, without {_prober.Unreported}, failed {_prober.Failed}; reports from responses {Piggybacked}; picks from probes {ProbedPicks}, from client-side estimates {FallbackPicks}");
            if (_prober.BackOff is { } backOff)
            {
                counts += string.Create(CultureInfo.InvariantCulture, $"; probing backed off: the last {PrequalConstants.UnreportedProbesBeforeBackOff} or more answers had no load report, one probe every {backOff.TotalSeconds:0.#} s until one has");
            }

            return _prober.Reported == 0 && Piggybacked == 0 && _prober.Unreported + _prober.Failed > 0
                ? $"no load reports from the servers (is app.UseBalancerLoadReports() on them, at {settings.ProbePath}?): client-side estimates, as LeastLatency (expected latency in ms; the lowest wins); {counts}"
                : string.Create(CultureInfo.InvariantCulture, $"hot-cold rule over recent probes: among endpoints at or under the {settings.HotQuantile:0.##} quantile of the servers' requests in flight, the lower of two expected latencies in ms (this client's mean × the server's load above its usual × failure penalty ÷ weight) wins; endpoints without a fresh probe: LeastLatency's cost; {counts}");
        }
    }

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        var count = endpoints.Count;
        if (count <= 1)
        {
            return count == 0 ? null : endpoints[0];
        }

        _prober?.OnPick(context.Pool);
        var settings = Volatile.Read(ref _settings);
        var pool = Volatile.Read(ref _pool);
        var members = _members.GetForPool(context, static list => new PoolMembers(list));
        var whole = ReferenceEquals(endpoints, context.Pool);
        var now = context.GetTimestamp(_timeProvider);

        // Pass 1: drop stale and departed results; count the unspent ones. With too few, spent ones (their picks priced
        // in as requests in flight) serve too, rather than client-side estimates that see only this client's traffic.
        var fresh = 0;
        for (var slot = 0; slot < pool.Size; slot++)
        {
            if (Usable(pool, slot, settings, members, now) is { } result && result.Uses < settings.MaxUses && (whole || !Tried(context.TriedEndpoints, result.Endpoint)))
            {
                fresh++;
            }
        }

        var maxUses = fresh >= Math.Min(PrequalConstants.MinUsableResults, count) ? settings.MaxUses : int.MaxValue;

        // Pass 2: the usable results' expected requests in flight (kept by slot for pass 3: one exp() per result) and latencies.
        Span<double> inFlight = stackalloc double[pool.Size];
        Span<double> latencies = stackalloc double[pool.Size];
        Span<double> expectedBySlot = stackalloc double[pool.Size];
        Span<long> receivedBySlot = stackalloc long[pool.Size];
        var usable = 0;
        var known = 0;
        for (var slot = 0; slot < pool.Size; slot++)
        {
            receivedBySlot[slot] = long.MinValue;
            if (Eligible(pool[slot], maxUses, members, in context, whole) is { } result)
            {
                var expected = result.ExpectedInFlight(AgeMilliseconds(result, now));
                (expectedBySlot[slot], receivedBySlot[slot]) = (expected, result.ReceivedAt);
                inFlight[usable++] = expected;
                if (!double.IsNaN(result.LatencyMilliseconds))
                {
                    latencies[known++] = result.LatencyMilliseconds;
                }
            }
        }

        if (usable < Math.Min(PrequalConstants.MinUsableResults, count))
        {
            Interlocked.Increment(ref _fallbackPicks);
            return _fallback.Select(context);
        }

        var hotAbove = HotThreshold(inFlight[..usable], settings.HotQuantile);
        var typical = Median(latencies[..known]);

        // Pass 3: the cold results' latency costs, and the hot result with the fewest requests in flight.
        Span<double> costs = stackalloc double[pool.Size];
        Span<int> slots = stackalloc int[pool.Size];
        var cold = 0;
        ProbeResult? best = null, hot = null;
        var bestCost = double.MaxValue;
        var hotLoad = double.MaxValue;
        for (var slot = 0; slot < pool.Size; slot++)
        {
            if (Eligible(pool[slot], maxUses, members, in context, whole) is not { } result)
            {
                continue;
            }

            // A result that arrived in the slot since pass 2 is computed afresh.
            var load = receivedBySlot[slot] == result.ReceivedAt ? expectedBySlot[slot] : result.ExpectedInFlight(AgeMilliseconds(result, now));
            if (load <= hotAbove)
            {
                var cost = LatencyCost(result, load, typical, now);
                (costs[cold], slots[cold]) = (cost, slot);
                cold++;
                if (cost < bestCost)
                {
                    (best, bestCost) = (result, cost);
                }
            }
            else if (load < hotLoad)
            {
                (hot, hotLoad) = (result, load);
            }
        }

        var chosen = best is null ? hot : Choose(pool, costs[..cold], slots[..cold], bestCost) ?? best;
        if (chosen is null)
        {
            Interlocked.Increment(ref _fallbackPicks);
            return _fallback.Select(context);
        }

        chosen.Use();
        Interlocked.Increment(ref _probedPicks);
        return chosen.Endpoint;
    }

    public EndpointScore? GetScore(BalancerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var settings = Volatile.Read(ref _settings);
        var now = _timeProvider.GetTimestamp();
        var result = Volatile.Read(ref _pool).Find(endpoint);
        if (result is null || now - result.ReceivedAt > settings.MaxAge || result.Uses >= settings.MaxUses)
        {
            var estimate = _fallback.GetScore(endpoint);
            return estimate is { } e ? e with { Note = $"no fresh probe, client-side estimate: {e.Note}" } : null;
        }

        var ageMs = (now - result.ReceivedAt) * 1000.0 / _timeProvider.TimestampFrequency;
        var note = string.Create(CultureInfo.InvariantCulture, $"probe {ageMs:0} ms old: {result.RequestsInFlight:0} in flight at the server (+{result.Uses} sent since), latency {result.LatencyMilliseconds:0.#} ms");
        return new EndpointScore(LatencyCost(result, result.ExpectedInFlight(ageMs), 0, now), note);
    }

    public void Reconfigure(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new PrequalSettings(options.Prequal, _timeProvider.TimestampFrequency);
        if (settings.PoolSize != Volatile.Read(ref _pool).Size)
        {
            Volatile.Write(ref _pool, new ProbePool(settings.PoolSize));
        }

        Volatile.Write(ref _settings, settings);
        if (_prober is not null)
        {
            _prober.Settings = settings;
        }
    }

    /// <summary>
    /// Every response of <c>UseBalancerLoadReports</c> carries the same report as a probe (parsed by the feedback
    /// tracker just before): it joins the pool as a free probe result, the request itself no longer counted in flight.
    /// </summary>
    public void OnAttemptCompleted(in AttemptFeedback feedback)
    {
        var endpoint = feedback.Endpoint;
        if (endpoint.Stats.ServerLoad is not { } report
            || _timeProvider.GetUtcNow() - report.ReceivedAt > PrequalConstants.PiggybackMaxDelay
            || !ProbeReport.TryRead(report, out var inFlight, out var latency, out var meanInFlight))
        {
            return;
        }

        Add(new ProbeResult(endpoint, Math.Max(0, inFlight - 1), latency, meanInFlight, _timeProvider.GetTimestamp()));
        Interlocked.Increment(ref _piggybacked);
    }

    public void Dispose() => _prober?.Dispose();

    /// <summary>Takes a probe result into the pool (the prober's answers; tests hand results in directly).</summary>
    internal void Add(ProbeResult result) => Volatile.Read(ref _pool).Add(result);

    /// <summary>
    /// Among the cold results whose cost is within <see cref="PrequalConstants.GoodCostFactor"/> × the best, the cheaper
    /// of two taken at random. Every client reads the same servers' reports, and they age between probes: if each took
    /// the single best, all would send to it at once (herding). Two random choices among the good ones spread the picks
    /// while the bound keeps a clearly slower server out; <see langword="null"/> when the sampled slot was cleared meanwhile.
    /// </summary>
    private ProbeResult? Choose(ProbePool pool, Span<double> costs, Span<int> slots, double bestCost)
    {
        var good = 0;
        var limit = bestCost * PrequalConstants.GoodCostFactor;
        for (var i = 0; i < costs.Length; i++)
        {
            if (costs[i] <= limit)
            {
                (costs[good], slots[good]) = (costs[i], slots[i]);
                good++;
            }
        }

        var first = _random.Next(good);
        var second = good > 1 ? (first + 1 + _random.Next(good - 1)) % good : first;
        return pool[costs[first] <= costs[second] ? slots[first] : slots[second]];
    }

    /// <summary><paramref name="result"/> if it may serve this pick: of the pool, not tried by the request, with fewer than <paramref name="maxUses"/> picks served.</summary>
    private static ProbeResult? Eligible(ProbeResult? result, int maxUses, PoolMembers members, in SelectionContext context, bool whole) =>
        result is not null && result.Uses < maxUses && members.Contains(result.Endpoint) && (whole || !Tried(context.TriedEndpoints, result.Endpoint)) ? result : null;

    /// <summary>The result in <paramref name="slot"/> unless it is stale or its endpoint left the pool (then it is cleared).</summary>
    private static ProbeResult? Usable(ProbePool pool, int slot, PrequalSettings settings, PoolMembers members, long now)
    {
        var result = pool[slot];
        if (result is null)
        {
            return null;
        }

        if (now - result.ReceivedAt > settings.MaxAge || !members.Contains(result.Endpoint))
        {
            pool.Remove(slot, result);
            return null;
        }

        return result;
    }

    /// <summary>The requests in flight above which a result is hot: the <paramref name="quantile"/> of the usable results' (sorted in place).</summary>
    private static double HotThreshold(Span<double> inFlight, double quantile)
    {
        if (quantile >= 1)
        {
            return double.PositiveInfinity;
        }

        inFlight.Sort();
        return inFlight[(int)Math.Floor(quantile * (inFlight.Length - 1))];
    }

    /// <summary>
    /// The latency a request sent now should see × the client's failure penalty ÷ weight, in ms: this client's own mean
    /// latency of the endpoint (<see cref="EndpointStats.GetMeanLatency(long)"/>), scaled up when the requests in flight
    /// the server should have now (<paramref name="expectedInFlight"/>, + the request) are above those its requests
    /// usually find (<see cref="ProbeResult.ExpectedLatency"/>). The servers' requests in flight are shared by all
    /// clients and belong in the cost; their latency average is not used while the client has its own: every client
    /// read the same noisy average and crowded onto whichever server it flattered. Without a mean of its own the client
    /// takes the server's latency, or the pool's median when the server reported none (it served nothing lately).
    /// </summary>
    private static double LatencyCost(ProbeResult result, double expectedInFlight, double typical, long now)
    {
        var stats = result.Endpoint.Stats;
        var latency = stats.HasMeanLatency ? stats.GetMeanLatency(now) * 1000
            : double.IsNaN(result.LatencyMilliseconds) ? typical
            : result.LatencyMilliseconds;
        return result.ExpectedLatency(latency, expectedInFlight) * FailurePenalty.Recent(stats, now) / result.Endpoint.Weight;
    }

    private double AgeMilliseconds(ProbeResult result, long now) => (now - result.ReceivedAt) * 1000.0 / _timeProvider.TimestampFrequency;

    /// <summary>The median of <paramref name="values"/> (sorted in place); 0 when there are none.</summary>
    private static double Median(Span<double> values)
    {
        if (values.IsEmpty)
        {
            return 0;
        }

        values.Sort();
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static bool Tried(IReadOnlyList<BalancerEndpoint> tried, BalancerEndpoint endpoint) => BalancerEndpoint.IsAmong(tried, endpoint);

    /// <summary>The endpoints of one pool, for a membership test without a scan.</summary>
    private sealed class PoolMembers(IReadOnlyList<BalancerEndpoint> source) : ISnapshotDerived
    {
        private readonly HashSet<BalancerEndpoint> _set = new(source, ReferenceEqualityComparer.Instance);

        public IReadOnlyList<BalancerEndpoint> Source { get; } = source;

        public bool Contains(BalancerEndpoint endpoint) => _set.Contains(endpoint);
    }
}
