using System.Runtime.InteropServices;

namespace Balancer.Client.Feedback;

/// <summary>
/// The feedback tracker's live record of one endpoint: requests in flight, peak-EWMA latency, time-decayed failure
/// rate and totals. Reads are wait-free; updates are lock-free and allocation-free.
/// </summary>
/// <remarks>
/// <para>
/// Latency follows Peak EWMA (Finagle, Linkerd, tower): a sample above the current estimate replaces it at once;
/// a sample below moves the estimate towards it by <c>1 - exp(-Δt/τ)</c>, where Δt is the time since the previous
/// sample and τ is <see cref="BalancerOptions.LatencyDecayTime"/>. When read for selection, the estimate also decays
/// towards zero with the same τ while no sample arrives, so an endpoint that lost traffic because it was slow is
/// tried again after a while and can show that it recovered.
/// </para>
/// <para>An endpoint without latency samples reports the client-wide average latency as a neutral prior, so a new
/// endpoint is neither starved nor flooded.</para>
/// </remarks>
public sealed class EndpointStats
{
    private readonly ClientStats _settings;
    private Readings _hot = new();
    private double _latencySeconds = double.NaN;
    private long _latencyTimestamp;
    private int _meanWarmUpSamples;
    private double _decayedBackPressure;
    private int _consecutiveOutlierFailures;
    private long _totalRequests;
    private long _totalFailures;
    private long _lastFailureUtcTicks;
    private long _lastFailureTimestamp;
    private ServerLoadReport? _serverLoad;
    private long _loadNonEmptySince;
    private long _loadLastUpdate;

    /// <summary>Initializes statistics that use the system clock and the default decay time.</summary>
    public EndpointStats()
        : this(ClientStats.Default)
    {
    }

    internal EndpointStats(ClientStats settings) => _settings = settings;

    /// <summary>Gets the number of requests sent to the endpoint that have not received response headers yet.</summary>
    public int InFlight => Volatile.Read(ref _hot.InFlight);

    /// <summary>Gets the peak-EWMA latency as of the last sample, or <see langword="null"/> before the first sample.</summary>
    public TimeSpan? Latency
    {
        get
        {
            var seconds = Volatile.Read(ref _latencySeconds);
            return double.IsNaN(seconds) ? null : TimeSpan.FromSeconds(seconds);
        }
    }

    /// <summary>
    /// Gets the latency estimate that the performance-based selectors compare: the peak-EWMA latency decayed to now,
    /// or the client-wide average (the neutral prior) when the endpoint has no sample yet.
    /// </summary>
    public TimeSpan LatencyEstimate => TimeSpan.FromSeconds(GetLatencyEstimate(_settings.TimeProvider.GetTimestamp()));

    /// <summary>
    /// Gets the recent mean latency that <see cref="Selection.EndpointSelectorNames.LeastLatency"/> compares (about the
    /// last 16 answers, the first answer of a connection left out, fading towards the client-wide average while no
    /// answer arrives), or <see langword="null"/> before it has a sample.
    /// </summary>
    public TimeSpan? MeanLatency => HasMeanLatency ? TimeSpan.FromSeconds(GetMeanLatency(_settings.TimeProvider.GetTimestamp())) : null;

    /// <summary>
    /// Gives an endpoint that has no latency sample of its own yet an estimate from elsewhere, such as the median of
    /// what other instances of a fleet measured (warm start): the performance-based selectors then compare it as if one
    /// sample of <paramref name="latency"/> had just arrived, instead of the neutral prior. The endpoint's own samples
    /// take over as they arrive (the seed fades as any older sample does). Does nothing once the endpoint has a sample.
    /// </summary>
    /// <param name="latency">The estimate; must be positive and finite.</param>
    /// <returns><see langword="true"/> when the estimate was taken; <see langword="false"/> when the endpoint already had a sample.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="latency"/> is zero, negative or infinite.</exception>
    public bool Seed(TimeSpan latency)
    {
        var seconds = SeedSeconds(latency);

        var now = _settings.TimeProvider.GetTimestamp();
        if (!double.IsNaN(Interlocked.CompareExchange(ref _latencySeconds, seconds, double.NaN)))
        {
            return false;
        }

        Volatile.Write(ref _latencyTimestamp, now);
        if (double.IsNaN(Interlocked.CompareExchange(ref _hot.MeanLatencySeconds, seconds, double.NaN)))
        {
            // The seed stands for the warm-up sample: the endpoint's first own answer already counts towards the mean.
            Volatile.Write(ref _hot.MeanTimestamp, now);
            Volatile.Write(ref _meanWarmUpSamples, FeedbackConstants.MeanLatencyWarmUpSamples);
        }

        return true;
    }

    /// <summary>Gets the time-decayed share of failed requests, from 0 to 1 (0 before the first request).</summary>
    public double FailureRate
    {
        get
        {
            var requests = Volatile.Read(ref _hot.DecayedRequests);
            return requests <= 0 ? 0 : Math.Clamp(Volatile.Read(ref _hot.DecayedFailures) / requests, 0, 1);
        }
    }

    /// <summary>Gets the number of failures since the last success.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _hot.ConsecutiveFailures);

    /// <summary>
    /// The failures since the last success that say the endpoint is broken: back-pressure (429) neither counts nor
    /// breaks the run. What outlier detection's consecutive-failure trigger reads.
    /// </summary>
    internal int ConsecutiveOutlierFailures => Volatile.Read(ref _consecutiveOutlierFailures);

    /// <summary>The time-decayed share of failed requests without back-pressure (429): what outlier detection's failure-rate trigger reads.</summary>
    internal double OutlierFailureRate
    {
        get
        {
            var requests = Volatile.Read(ref _hot.DecayedRequests);
            return requests <= 0 ? 0 : Math.Clamp((Volatile.Read(ref _hot.DecayedFailures) - Volatile.Read(ref _decayedBackPressure)) / requests, 0, 1);
        }
    }

    /// <summary>Gets the number of completed requests recorded (successes and failures; cancellations are not counted).</summary>
    public long TotalRequests => Interlocked.Read(ref _totalRequests);

    /// <summary>Gets the number of failed requests recorded.</summary>
    public long TotalFailures => Interlocked.Read(ref _totalFailures);

    /// <summary>Gets the time of the last failure, or <see langword="null"/> when the endpoint never failed.</summary>
    public DateTimeOffset? LastFailure
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastFailureUtcTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Gets the load the endpoint last reported in an ORCA <c>endpoint-load-metrics</c> header, or <see langword="null"/>.</summary>
    public ServerLoadReport? ServerLoad => Volatile.Read(ref _serverLoad);

    internal ClientStats Settings => _settings;

    /// <summary>Recent latencies of successful attempts, for percentiles (hedging delay, inspection).</summary>
    internal LatencyHistogram Histogram { get; } = new();

    /// <summary>The recent latency percentile (successful attempts of the last 10 to 20 seconds), or null without enough samples.</summary>
    internal TimeSpan? GetRecentPercentile(double quantile, int minimumSamples) =>
        Histogram.Percentile(quantile, _settings.TimeProvider.GetTimestamp(), _settings.HistogramWindow, minimumSamples);

    /// <summary>
    /// When the first usable load report of the current run of reports arrived (0 when none). A run ends when no usable
    /// report came for the expiration period: readers check <see cref="LoadLastUpdate"/> for that, and the next report
    /// starts a new run. Nothing but <see cref="RecordServerLoad"/> writes it: a selector only reads it.
    /// </summary>
    internal long LoadNonEmptySince => Volatile.Read(ref _loadNonEmptySince);

    /// <summary>When the last usable load report arrived (0 when none).</summary>
    internal long LoadLastUpdate => Volatile.Read(ref _loadLastUpdate);

    /// <summary>Stores a load report; the timestamps drive the blackout and expiry of weighted round robin.</summary>
    internal void RecordServerLoad(ServerLoadReport report, long timestamp, long expiration)
    {
        Volatile.Write(ref _serverLoad, report);
        if (report.RpsFractional <= 0 || report.Utilization <= 0)
        {
            return;
        }

        var last = Interlocked.Exchange(ref _loadLastUpdate, timestamp);
        if (last == 0 || timestamp - last >= expiration || LoadNonEmptySince == 0)
        {
            Volatile.Write(ref _loadNonEmptySince, timestamp);
        }
    }


    /// <summary>Gets the measured network path to the endpoint: round-trip time and jitter (see <see cref="NetworkStats"/>).</summary>
    public NetworkStats Network { get; } = new();

    /// <summary>The time-decayed number of recent requests (the volume behind <see cref="FailureRate"/>).</summary>
    internal double DecayedRequests => Volatile.Read(ref _hot.DecayedRequests);

    /// <summary>
    /// The time-decayed number of recent requests as of <paramref name="timestamp"/>: <see cref="DecayedRequests"/>
    /// decayed further for the time since the last outcome, so an endpoint that stopped getting traffic fades out.
    /// Read-only, for inspection: the hot path pays nothing for it.
    /// </summary>
    internal double GetRecentRequests(long timestamp)
    {
        var last = Volatile.Read(ref _hot.OutcomeTimestamp);
        if (last == 0)
        {
            return 0;
        }

        var requests = Volatile.Read(ref _hot.DecayedRequests);
        var elapsed = timestamp - last;
        return elapsed <= 0 ? requests : requests * Math.Exp(-elapsed * _settings.InverseDecayTimestampUnits);
    }

    /// <summary>The latency estimate in seconds at <paramref name="timestamp"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    internal double GetLatencyEstimate(long timestamp)
    {
        var seconds = Volatile.Read(ref _latencySeconds);
        if (double.IsNaN(seconds))
        {
            return _settings.Prior.Estimate;
        }

        var elapsed = timestamp - Volatile.Read(ref _latencyTimestamp);
        if (elapsed <= 0)
        {
            return seconds;
        }

        // Older than τ, the estimate says little about the endpoint now: it is worth no more than the neutral prior, so
        // an endpoint avoided after a stall, a timeout or a burst of failures is probed again within about τ instead of
        // waiting for a multi-second peak to decay.
        var age = elapsed * _settings.InverseDecayTimestampUnits;
        var decayed = seconds * Math.Exp(-age);
        return age >= 1 ? Math.Min(decayed, _settings.Prior.Estimate) : decayed;
    }

    /// <summary>
    /// The recent mean latency in seconds at <paramref name="timestamp"/>: an exponentially weighted mean of the
    /// samples with a time constant of τ ÷ <see cref="FeedbackConstants.MeanLatencyDecayDivisor"/> (1 s by default),
    /// each sample's share at least 1/16, so it follows queueing on the endpoint within a second, without
    /// Peak EWMA's bias towards the worst recent sample. The first sample is left out (connection setup, cold code);
    /// until the next one the endpoint counts as unknown: half the client-wide prior, so it is tried again soon.
    /// While no sample arrives it returns towards the client-wide prior, by e^(−age ÷ τ), and after τ falls below it by
    /// the same factor: an endpoint left alone because it was slow is tried again once its record is old, and one left
    /// alone while others served well enough (it had failed, or others were as fast) is tried again however busy or
    /// fast the others are.
    /// </summary>
    internal double GetMeanLatency(long timestamp)
    {
        var prior = _settings.Prior.Estimate;
        var mean = Volatile.Read(ref _hot.MeanLatencySeconds);
        if (double.IsNaN(mean))
        {
            // Nothing known (a new endpoint, or one reachable again after it refused connections): optimistic, so it
            // is tried at once rather than only when every known endpoint is busier than average.
            return prior * FeedbackConstants.UnknownMeanLatencyShareOfPrior;
        }

        var age = (timestamp - Volatile.Read(ref _hot.MeanTimestamp)) * _settings.InverseDecayTimestampUnits;
        return age <= FeedbackConstants.NegligibleDecayAge ? mean : Aged(mean, prior, age, Math.Exp(-age));
    }

    /// <summary>A mean <paramref name="age"/> τ old: towards <paramref name="prior"/> by <paramref name="decay"/> = e^(−age), then below it after τ.</summary>
    private static double Aged(double mean, double prior, double age, double decay)
    {
        var estimate = prior + ((mean - prior) * decay);
        return age <= 1 ? estimate : estimate * decay * Math.E;
    }

    /// <summary>
    /// Reads <see cref="GetMeanLatency(long)"/> and <see cref="GetTypicalInFlight(long, double)"/> at once, with one
    /// <c>exp()</c> when both records were last updated by the same outcome (the common case: a success updates both).
    /// </summary>
    internal double GetMeanLatency(long timestamp, out double typicalInFlight)
    {
        var mean = Volatile.Read(ref _hot.MeanLatencySeconds);
        var last = Volatile.Read(ref _hot.OutcomeTimestamp);
        if (double.IsNaN(mean) || last == 0 || last != Volatile.Read(ref _hot.MeanTimestamp))
        {
            var slow = GetMeanLatency(timestamp);
            typicalInFlight = GetTypicalInFlight(timestamp, slow);
            return slow;
        }

        var inverseDecay = _settings.InverseDecayTimestampUnits;
        var age = (timestamp - last) * inverseDecay;
        var requests = Volatile.Read(ref _hot.DecayedRequests);
        if (age > FeedbackConstants.NegligibleDecayAge)
        {
            var decay = Math.Exp(-age);
            mean = Aged(mean, _settings.Prior.Estimate, age, decay);
            requests *= decay;
        }

        typicalInFlight = requests * _settings.InverseDecaySeconds * mean;
        return mean;
    }

    /// <summary>
    /// The age of the endpoint's record at <paramref name="timestamp"/>: the time since its last outcome (success or
    /// failure) in units of the decay time τ, or <see cref="double.PositiveInfinity"/> when it has none yet.
    /// </summary>
    internal double GetRecordAge(long timestamp)
    {
        var last = Volatile.Read(ref _hot.OutcomeTimestamp);
        return last == 0 ? double.PositiveInfinity : (timestamp - last) * _settings.InverseDecayTimestampUnits;
    }

    /// <summary>Gets a value indicating whether the endpoint has a mean latency yet (see <see cref="GetMeanLatency(long)"/>).</summary>
    internal bool HasMeanLatency => !double.IsNaN(Volatile.Read(ref _hot.MeanLatencySeconds));

    /// <summary>Gets the client-wide average latency in seconds, the prior of endpoints without samples.</summary>
    internal double PriorLatency => _settings.Prior.Estimate;

    /// <summary>
    /// The number of this client's requests the endpoint usually holds at once, by Little's law: recent throughput
    /// (requests completed in the last τ, decayed, ÷ τ) × <see cref="GetMeanLatency(long)"/>. It is the endpoint's observed
    /// concurrency: an endpoint that serves many requests at once without slowing down shows a high value, so requests
    /// in flight there weigh less than on one that serves them one by one.
    /// </summary>
    internal double GetTypicalInFlight(long timestamp) => GetTypicalInFlight(timestamp, GetMeanLatency(timestamp));

    /// <summary>As <see cref="GetTypicalInFlight(long)"/>, with the <see cref="GetMeanLatency(long)"/> the caller already read.</summary>
    internal double GetTypicalInFlight(long timestamp, double meanLatency)
    {
        var last = Volatile.Read(ref _hot.OutcomeTimestamp);
        if (last == 0)
        {
            return 0;
        }

        var inverseDecay = _settings.InverseDecayTimestampUnits;
        var age = (timestamp - last) * inverseDecay;
        var requests = Volatile.Read(ref _hot.DecayedRequests);
        if (age > FeedbackConstants.NegligibleDecayAge)
        {
            requests *= Math.Exp(-age);
        }

        // requests ÷ τ is the throughput per second.
        return requests * _settings.InverseDecaySeconds * meanLatency;
    }

    /// <summary>
    /// Gets a value indicating whether the record holds failures: a run of them, or a failure rate above 0. False for an
    /// endpoint that never failed and after <see cref="ResetFailures"/>; then the failure inputs below say nothing.
    /// </summary>
    internal bool HasFailures => Volatile.Read(ref _hot.ConsecutiveFailures) != 0 || Volatile.Read(ref _hot.DecayedFailures) != 0;

    /// <summary>
    /// The time from the last outcome (success or failure) to <paramref name="timestamp"/>, in units of τ; counted from
    /// the clock's zero while there is none (<see cref="GetRecordAge"/> is infinite then). Read with <see cref="HasFailures"/>.
    /// </summary>
    internal double GetOutcomeAge(long timestamp) =>
        (timestamp - Volatile.Read(ref _hot.OutcomeTimestamp)) * _settings.InverseDecayTimestampUnits;

    /// <summary>The time from the last failure to <paramref name="timestamp"/>, in units of τ, at least 0. Read with <see cref="HasFailures"/>.</summary>
    internal double GetFailureAge(long timestamp) =>
        Math.Max(0, timestamp - Volatile.Read(ref _lastFailureTimestamp)) * _settings.InverseDecayTimestampUnits;

    /// <summary>Gets the requests in flight on all endpoints of the same client (see <see cref="ClientStats.InFlight"/>).</summary>
    internal int ClientInFlight => _settings.InFlight;

    internal void IncrementInFlight()
    {
        Interlocked.Increment(ref _hot.InFlight);
        _settings.AddInFlight(1);
    }

    internal void DecrementInFlight()
    {
        Interlocked.Decrement(ref _hot.InFlight);
        _settings.AddInFlight(-1);
    }

    /// <summary>
    /// Records a completed attempt. <paramref name="latencySeconds"/> is the time to response headers;
    /// <paramref name="backPressure"/> marks a failure that is the endpoint asking for less traffic (429): it weighs on
    /// selection like any failure but not on outlier detection.
    /// </summary>
    internal void Record(bool failure, double latencySeconds, long timestamp, bool backPressure = false)
    {
        Interlocked.Increment(ref _totalRequests);
        backPressure &= failure;
        if (failure)
        {
            Interlocked.Increment(ref _totalFailures);
            Interlocked.Increment(ref _hot.ConsecutiveFailures);
            if (!backPressure)
            {
                Interlocked.Increment(ref _consecutiveOutlierFailures);
            }

            Interlocked.Exchange(ref _lastFailureUtcTicks, _settings.TimeProvider.GetUtcNow().UtcTicks);
            Volatile.Write(ref _lastFailureTimestamp, timestamp);

            // A failure is never evidence of speed (a refused connection returns in microseconds): it may raise the
            // latency estimate (a timeout) but never lower it. Failures weigh on selection through the selectors' failure penalty.
            var current = Volatile.Read(ref _latencySeconds);
            if (latencySeconds <= (double.IsNaN(current) ? _settings.Prior.Estimate : current))
            {
                RecordOutcome(failure, backPressure, timestamp);
                return;
            }
        }
        else
        {
            Volatile.Write(ref _hot.ConsecutiveFailures, 0);
            Volatile.Write(ref _consecutiveOutlierFailures, 0);
            _settings.Prior.Record(latencySeconds, timestamp, _settings.InverseDecayTimestampUnits);
            Histogram.Record(latencySeconds, timestamp, _settings.HistogramWindow);
        }

        RecordLatency(latencySeconds, timestamp);
        RecordMeanLatency(latencySeconds, timestamp);
        RecordOutcome(failure, backPressure, timestamp);
    }

    /// <summary>
    /// Forgets the failure record (runs of failures, failure rate) and the latency estimate, so the performance-based
    /// selectors treat the endpoint as new (the neutral prior): called when an endpoint that could not be reached is
    /// reachable again, whose old failures and latency say nothing of the process now listening.
    /// </summary>
    internal void ResetFailures()
    {
        Volatile.Write(ref _hot.ConsecutiveFailures, 0);
        Volatile.Write(ref _consecutiveOutlierFailures, 0);
        Volatile.Write(ref _hot.DecayedFailures, 0);
        Volatile.Write(ref _decayedBackPressure, 0);
        Volatile.Write(ref _latencySeconds, double.NaN);
        Volatile.Write(ref _hot.MeanLatencySeconds, double.NaN);
        Volatile.Write(ref _meanWarmUpSamples, 0);
    }

    private void RecordLatency(double sample, long timestamp)
    {
        var previous = Interlocked.Exchange(ref _latencyTimestamp, timestamp);
        var weight = Math.Exp(-Math.Max(0, timestamp - previous) * _settings.InverseDecayTimestampUnits);
        while (true)
        {
            var current = Volatile.Read(ref _latencySeconds);
            var next = double.IsNaN(current) || sample >= current ? sample : (current * weight) + (sample * (1 - weight));
            if (Interlocked.CompareExchange(ref _latencySeconds, next, current).Equals(current))
            {
                return;
            }
        }
    }

    private void RecordMeanLatency(double sample, long timestamp)
    {
        // The first answer of an endpoint (or of the process now listening after a reconnect) carries the cost of a new
        // connection and of cold code on both sides: it says little about the next ones, so the mean starts after it.
        if (Volatile.Read(ref _meanWarmUpSamples) < FeedbackConstants.MeanLatencyWarmUpSamples
            && Interlocked.Increment(ref _meanWarmUpSamples) <= FeedbackConstants.MeanLatencyWarmUpSamples)
        {
            return;
        }

        var previous = Interlocked.Exchange(ref _hot.MeanTimestamp, timestamp);
        // A sample's share is 1 - e^(-Δt/τm), at least 1/16: at high rates the mean still follows the last 16 samples
        // or so; after a quiet spell one sample replaces it (an endpoint tried again after its record aged is judged on
        // what it does now).
        var weight = Math.Min(
            Math.Exp(-Math.Max(0, timestamp - previous) * _settings.InverseDecayTimestampUnits * FeedbackConstants.MeanLatencyDecayDivisor),
            1 - FeedbackConstants.MinMeanLatencySampleShare);
        while (true)
        {
            var current = Volatile.Read(ref _hot.MeanLatencySeconds);
            var next = double.IsNaN(current) ? sample : (current * weight) + (sample * (1 - weight));
            if (Interlocked.CompareExchange(ref _hot.MeanLatencySeconds, next, current).Equals(current))
            {
                return;
            }
        }
    }

    private void RecordOutcome(bool failure, bool backPressure, long timestamp)
    {
        var previous = Interlocked.Exchange(ref _hot.OutcomeTimestamp, timestamp);
        var weight = previous == 0 ? 0 : Math.Exp(-Math.Max(0, timestamp - previous) * _settings.InverseDecayTimestampUnits);
        AddDecayed(ref _hot.DecayedRequests, 1, weight);
        AddDecayed(ref _hot.DecayedFailures, failure ? 1 : 0, weight);
        AddDecayed(ref _decayedBackPressure, backPressure ? 1 : 0, weight);
    }

    /// <summary>The seconds of a seed latency (warm start of an endpoint or of a request class), checked: positive and finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="latency"/> is zero, negative or infinite.</exception>
    internal static double SeedSeconds(TimeSpan latency)
    {
        var seconds = latency.TotalSeconds;
        return seconds > 0 && double.IsFinite(seconds) && latency != TimeSpan.MaxValue
            ? seconds
            : throw new ArgumentOutOfRangeException(nameof(latency), latency, "A seed latency must be positive and finite.");
    }

    internal static void AddDecayed(ref double location, double value, double weight)
    {
        while (true)
        {
            var current = Volatile.Read(ref location);
            var next = (current * weight) + value;
            if (Interlocked.CompareExchange(ref location, next, current).Equals(current))
            {
                return;
            }
        }
    }

    /// <summary>
    /// The fields a pick reads, side by side in 48 bytes wherever the runtime places the other fields: a selector
    /// comparing candidates of a large pool, whose records are cache misses, loads one or two cache lines per candidate.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Readings()
    {
        public double MeanLatencySeconds = double.NaN;
        public long MeanTimestamp;
        public long OutcomeTimestamp;
        public double DecayedRequests;
        public double DecayedFailures;
        public int InFlight;
        public int ConsecutiveFailures;
    }
}
