namespace Balancer.Client.Selection;

/// <summary>Defaults and limits of <see cref="PrequalOptions"/>.</summary>
internal static class PrequalConstants
{
    public const string DefaultProbePath = "/.well-known/balancer/load";
    public const double DefaultProbesPerRequest = 1;
    public const double MinProbesPerRequest = 0.05;
    public const double MaxProbesPerRequest = 4;
    public const int DefaultPoolSize = 16;
    public const int MinPoolSize = 2;
    public const int MaxPoolSize = 64;
    public const int DefaultMaxUses = 1;

    /// <summary>
    /// Usable probe results a pick needs (or as many as there are candidates); with fewer, one result may be all that is
    /// left, the slow endpoint's that no pick spent, and it would win by default.
    /// </summary>
    public const int MinUsableResults = 3;
    public const int MaxMaxUses = 16;
    public const double DefaultHotQuantile = 0.8;
    public const double MinHotQuantile = 0.5;
    public const int DefaultMaxProbesInFlight = 8;
    public const int MaxMaxProbesInFlight = 64;

    /// <summary>The ORCA named metric with the server's requests in flight (written by <c>UseBalancerLoadReports</c>).</summary>
    public const string RequestsInFlightMetric = "rif";

    /// <summary>The ORCA named metric with the server's recent latency in milliseconds.</summary>
    public const string LatencyMetric = "latency_ms";

    /// <summary>The ORCA named metric with the requests in flight the server's requests found on arrival, on average.</summary>
    public const string MeanInFlightMetric = "rif_mean";

    /// <summary>Cold results costing up to this many times the best are the good ones a pick chooses two of at random.</summary>
    public const double GoodCostFactor = 1.3;

    /// <summary>A response's load report older than this when its attempt completes is not taken as a probe result.</summary>
    public static readonly TimeSpan PiggybackMaxDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the prober looks for probes to send while there is traffic.</summary>
    public static readonly TimeSpan ProbeTick = TimeSpan.FromMilliseconds(5);

    /// <summary>Ticks without a probe to send after which the prober sleeps until the next pick.</summary>
    public const int IdleTicksBeforeSleep = 200;

    /// <summary>Probe budget units per probe (the budget is kept in integers, so a pick adds to it lock-free).</summary>
    public const long BudgetUnit = 1000;

    /// <summary>
    /// Probes answered in a row without a load report (the servers do not run <c>UseBalancerLoadReports</c>, or not at the
    /// probe path) after which the prober backs off: the answers cannot be used, and each one was a request to a server.
    /// </summary>
    public const int UnreportedProbesBeforeBackOff = 16;

    /// <summary>While backed off, one probe after this long, doubling with each further probe without a report up to <see cref="MaxBackOffInterval"/>; a report ends the back-off.</summary>
    public static readonly TimeSpan FirstBackOffInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two probes while backed off: servers that start reporting are used within about this long.</summary>
    public static readonly TimeSpan MaxBackOffInterval = TimeSpan.FromSeconds(16);

    public static readonly TimeSpan DefaultMaxProbeAge = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinProbeAge = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxProbeAgeLimit = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromSeconds(30);
}
