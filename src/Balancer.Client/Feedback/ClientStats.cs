namespace Balancer.Client.Feedback;

/// <summary>
/// The statistics and settings shared by all endpoints of one client (next to each endpoint's <see cref="EndpointStats"/>):
/// clock, decay time τ, the client-wide latency prior and requests in flight. Live state, changed by reloads and outcomes.
/// </summary>
internal sealed class ClientStats
{
    public static readonly ClientStats Default = new(TimeProvider.System, FeedbackConstants.DefaultLatencyDecayTime);

    private double _inverseDecayTimestampUnits;
    private double _inverseDecaySeconds;
    private volatile bool _endpointMetricTags;
    private PaddedCounter _inFlight;

    public ClientStats(TimeProvider timeProvider, TimeSpan decayTime)
    {
        TimeProvider = timeProvider;
        DecayTime = decayTime;
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>The length of one window of the latency histograms (10 s) in timestamp units.</summary>
    public long HistogramWindow => (long)(10 * TimeProvider.TimestampFrequency);

    public LatencyPrior Prior { get; } = new();

    /// <summary>Gets or sets τ; may change on reload.</summary>
    public TimeSpan DecayTime
    {
        get => TimeSpan.FromSeconds(1 / (Volatile.Read(ref _inverseDecayTimestampUnits) * TimeProvider.TimestampFrequency));
        set
        {
            Volatile.Write(ref _inverseDecayTimestampUnits, 1.0 / (value.TotalSeconds * TimeProvider.TimestampFrequency));
            Volatile.Write(ref _inverseDecaySeconds, 1.0 / value.TotalSeconds);
        }
    }

    /// <summary>Gets or sets whether metrics carry endpoint tags (<see cref="Diagnostics.TelemetryOptions.EndpointTags"/>); may change on reload.</summary>
    public bool EndpointMetricTags
    {
        get => _endpointMetricTags;
        set => _endpointMetricTags = value;
    }

    /// <summary>1/τ in timestamp units, so that <c>exp(-Δtimestamp × this)</c> is the decay weight.</summary>
    public double InverseDecayTimestampUnits => Volatile.Read(ref _inverseDecayTimestampUnits);

    /// <summary>1/τ in seconds: decayed requests × this is their rate per second.</summary>
    public double InverseDecaySeconds => Volatile.Read(ref _inverseDecaySeconds);

    public double ToSeconds(long elapsedTimestampUnits) => (double)elapsedTimestampUnits / TimeProvider.TimestampFrequency;

    /// <summary>Gets the requests in flight on all endpoints that share these settings: those of one client, in O(1).</summary>
    public int InFlight => Volatile.Read(ref _inFlight.Value);

    public void AddInFlight(int delta) => Interlocked.Add(ref _inFlight.Value, delta);

    /// <summary>A counter on a cache line of its own, so that updating it does not slow down readers of the settings.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public int Value;
    }
}

/// <summary>The client-wide average latency: the neutral prior of endpoints that have no sample yet.</summary>
internal sealed class LatencyPrior
{
    private double _seconds = double.NaN;
    private long _timestamp;
    private long _count;

    /// <summary>The average, or <see cref="FeedbackConstants.DefaultPriorSeconds"/> before any sample.</summary>
    public double Estimate
    {
        get
        {
            var value = Volatile.Read(ref _seconds);
            return double.IsNaN(value) ? FeedbackConstants.DefaultPriorSeconds : value;
        }
    }

    /// <summary>
    /// Adds a sample: a plain mean over the first samples (which may arrive at the same instant), then a time-decayed
    /// average with the feedback's τ.
    /// </summary>
    public void Record(double sample, long timestamp, double inverseDecay)
    {
        var previous = Interlocked.Exchange(ref _timestamp, timestamp);
        var count = Interlocked.Increment(ref _count);
        var weight = Math.Min(Math.Exp(-Math.Max(0, timestamp - previous) * inverseDecay), 1 - (1.0 / count));
        while (true)
        {
            var current = Volatile.Read(ref _seconds);
            var next = double.IsNaN(current) ? sample : (current * weight) + (sample * (1 - weight));
            if (Interlocked.CompareExchange(ref _seconds, next, current).Equals(current))
            {
                return;
            }
        }
    }
}
