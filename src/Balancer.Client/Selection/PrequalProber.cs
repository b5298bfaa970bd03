using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Health;

namespace Balancer.Client.Selection;

/// <summary>
/// Sends the Prequal selector's probes off the request path. A pick only adds to an integer budget (lock-free, no
/// allocation); a loop on the client's time provider turns every whole probe of the budget into one GET of the probe
/// path to the next endpoint of the pool, at most <see cref="PrequalOptions.MaxProbesInFlight"/> at once (the rest of
/// the budget is dropped, not queued), and sleeps while there is no traffic. Endpoints are probed in turn from a random
/// start, so that a pool as large as the endpoint list keeps a recent answer of every endpoint. Probes go through the client's own
/// transport without the balancer (as active health checks do), so they are never balanced, retried or recorded as
/// traffic. Answers with a load report go to the pool; the counts say whether the servers send reports at all.
/// </summary>
internal sealed class PrequalProber : IDisposable
{
    private readonly IHealthCheckTransport _transport;
    private readonly TimeProvider _timeProvider;
    private readonly Action<ProbeResult> _deliver;
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<BalancerEndpoint>? _targets;
    private PrequalSettings _settings;
    private HttpClient? _client;
    private long _clientSince;
    private long _budget;
    private int _next = Random.Shared.Next(int.MaxValue);
    private int _inFlight;
    private int _running;
    private int _sleeping;
    private TaskCompletionSource? _wake;
    private long _sent;
    private long _reported;
    private long _unreported;
    private long _failed;
    private int _unreportedStreak;
    private long _backOffUntil;
    private long _backOffTicks;

    public PrequalProber(IHealthCheckTransport transport, TimeProvider timeProvider, PrequalSettings settings, Action<ProbeResult> deliver)
    {
        _transport = transport;
        _timeProvider = timeProvider;
        _settings = settings;
        _deliver = deliver;
    }

    public PrequalSettings Settings
    {
        get => Volatile.Read(ref _settings);
        set => Volatile.Write(ref _settings, value);
    }

    /// <summary>Probes sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Probes answered with a load report that has the requests in flight.</summary>
    public long Reported => Interlocked.Read(ref _reported);

    /// <summary>Probes answered without a usable load report (no <c>UseBalancerLoadReports</c> on the server, or a non-success status).</summary>
    public long Unreported => Interlocked.Read(ref _unreported);

    /// <summary>Probes that failed or timed out.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>
    /// The wait between two probes while backed off (the last <see cref="PrequalConstants.UnreportedProbesBeforeBackOff"/>
    /// or more answers had no load report), or <see langword="null"/> while probing at the configured rate.
    /// </summary>
    public TimeSpan? BackOff => IsBackedOff
        ? TimeSpan.FromSeconds((double)Math.Max(Interlocked.Read(ref _backOffTicks), 1) / _timeProvider.TimestampFrequency)
        : null;

    /// <summary>Adds one pick's share of probes to the budget; the first pick starts the loop, a pick after a quiet spell wakes it.</summary>
    public void OnPick(IReadOnlyList<BalancerEndpoint> pool)
    {
        if (!ReferenceEquals(Volatile.Read(ref _targets), pool))
        {
            Volatile.Write(ref _targets, pool);
        }

        Interlocked.Add(ref _budget, Settings.BudgetPerPick);
        if (Volatile.Read(ref _running) == 0 && Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            _ = Task.Run(RunAsync);
        }
        else if (Volatile.Read(ref _sleeping) == 1 && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            Volatile.Read(ref _wake)?.TrySetResult();
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await TickWhileBusyAsync(token).ConfigureAwait(false);

                // Quiet: sleep until a pick wakes the loop. The wake is set before the flag, so a pick that sees the flag finds it.
                var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _wake, wake);
                Volatile.Write(ref _sleeping, 1);
                if (Interlocked.Read(ref _budget) >= PrequalConstants.BudgetUnit && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
                {
                    continue; // a pick came between the last tick and the flag
                }

                await wake.Task.WaitAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task TickWhileBusyAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(PrequalConstants.ProbeTick, _timeProvider);
        var idle = 0;
        while (idle < PrequalConstants.IdleTicksBeforeSleep && await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            var budget = Interlocked.Read(ref _budget);
            var whole = budget / PrequalConstants.BudgetUnit;
            if (whole == 0)
            {
                idle++;
                continue;
            }

            idle = 0;
            Interlocked.Add(ref _budget, -whole * PrequalConstants.BudgetUnit);
            var settings = Settings;
            var targets = Volatile.Read(ref _targets);
            if (targets is not { Count: > 0 })
            {
                continue;
            }

            var room = settings.MaxProbesInFlight - Volatile.Read(ref _inFlight);
            if (IsBackedOff)
            {
                room = Math.Min(room, BackedOffProbe()); // answers without reports: one probe now and then, to notice when reports start
            }

            var client = room > 0 ? Renew() : null;
            for (var i = 0; i < Math.Min(whole, room) && client is not null; i++)
            {
                // In turn from a random start: a pool as large as the endpoint list holds a recent answer of each.
                _next = (_next + 1) % targets.Count;
                Interlocked.Increment(ref _inFlight);
                _ = ProbeAsync(client, targets[_next], settings, token);
            }
        }
    }

    private bool IsBackedOff => Volatile.Read(ref _unreportedStreak) >= PrequalConstants.UnreportedProbesBeforeBackOff;

    /// <summary>1 when a backed-off probe is due (and schedules the next, twice as far, up to the maximum), else 0.</summary>
    private int BackedOffProbe()
    {
        var now = _timeProvider.GetTimestamp();
        if (now < Volatile.Read(ref _backOffUntil))
        {
            return 0;
        }

        var frequency = _timeProvider.TimestampFrequency;
        var previous = Interlocked.Read(ref _backOffTicks);
        var next = previous == 0
            ? (long)(PrequalConstants.FirstBackOffInterval.TotalSeconds * frequency)
            : Math.Min(previous * 2, (long)(PrequalConstants.MaxBackOffInterval.TotalSeconds * frequency));
        Interlocked.Exchange(ref _backOffTicks, next);
        Volatile.Write(ref _backOffUntil, now + next);
        return 1;
    }

    private async Task ProbeAsync(HttpClient client, BalancerEndpoint endpoint, PrequalSettings settings, CancellationToken token)
    {
        try
        {
            Interlocked.Increment(ref _sent);
            using var timeout = new CancellationTokenSource(settings.ProbeTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
            using var response = await client.GetAsync(new Uri(endpoint.Address, settings.ProbePath), HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && TryRead(response, out var inFlight, out var latency, out var meanInFlight))
            {
                Interlocked.Increment(ref _reported);
                if (Interlocked.Exchange(ref _unreportedStreak, 0) != 0)
                {
                    Interlocked.Exchange(ref _backOffTicks, 0); // reports again: back to the configured rate at once
                    Volatile.Write(ref _backOffUntil, 0);
                }

                _deliver(new ProbeResult(endpoint, inFlight, latency, meanInFlight, _timeProvider.GetTimestamp()));
            }
            else
            {
                Interlocked.Increment(ref _unreported);
                Interlocked.Increment(ref _unreportedStreak);
            }
        }
#pragma warning disable CA1031 // A probe that fails (refused, reset, timed out) only means no answer: counted, never thrown on a pool thread.
        catch (Exception) when (!token.IsCancellationRequested)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failed);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private bool TryRead(HttpResponseMessage response, out double inFlight, out double latency, out double meanInFlight)
    {
        (inFlight, latency, meanInFlight) = (0, double.NaN, double.NaN);
        return response.Headers.NonValidated.TryGetValues(OrcaLoadReportParser.HeaderName, out var values)
            && OrcaLoadReportParser.TryParse(values.ToString(), _timeProvider.GetUtcNow(), out var report)
            && ProbeReport.TryRead(report!, out inFlight, out latency, out meanInFlight);
    }

    /// <summary>The client to probe with: the current one while its handler is young enough, else one on a new handler.</summary>
    private HttpClient? Renew()
    {
        // Only the loop renews; probes still on an old handler finish or fail as failed probes.
        var client = TransportClient.Renew(_transport, _timeProvider, Volatile.Read(ref _client), ref _clientSince, _ => Interlocked.Increment(ref _failed));
        Volatile.Write(ref _client, client);
        if (_stop.IsCancellationRequested)
        {
            Interlocked.Exchange(ref _client, null)?.Dispose(); // disposed meanwhile: the client made after it goes too
            return null;
        }

        return client;
    }

    public void Dispose()
    {
        _stop.Cancel();
        Volatile.Read(ref _wake)?.TrySetCanceled();
        Interlocked.Exchange(ref _client, null)?.Dispose();
        _stop.Dispose();
    }
}

/// <summary>A validated copy of <see cref="PrequalOptions"/> in the units picks use.</summary>
internal sealed class PrequalSettings
{
    public PrequalSettings(PrequalOptions options, long timestampFrequency)
    {
        ProbePath = options.ProbePath;
        BudgetPerPick = (long)Math.Round(options.ProbesPerRequest * PrequalConstants.BudgetUnit);
        PoolSize = options.PoolSize;
        MaxAge = (long)(options.MaxProbeAge.TotalSeconds * timestampFrequency);
        MaxUses = options.MaxUses;
        HotQuantile = options.HotQuantile;
        ProbeTimeout = options.ProbeTimeout;
        MaxProbesInFlight = options.MaxProbesInFlight;
    }

    public string ProbePath { get; }

    public long BudgetPerPick { get; }

    public int PoolSize { get; }

    /// <summary>The age, in timestamp ticks, after which a probe result is no longer used.</summary>
    public long MaxAge { get; }

    public int MaxUses { get; }

    public double HotQuantile { get; }

    public TimeSpan ProbeTimeout { get; }

    public int MaxProbesInFlight { get; }
}

/// <summary>Reads the named metrics of <c>UseBalancerLoadReports</c> from a parsed load report.</summary>
internal static class ProbeReport
{
    /// <summary>The requests in flight (required), the latency in ms and the mean requests in flight (NaN when absent).</summary>
    public static bool TryRead(ServerLoadReport report, out double inFlight, out double latency, out double meanInFlight)
    {
        latency = double.NaN;
        meanInFlight = double.NaN;
        var metrics = report.NamedMetrics;
        if (!metrics.TryGetValue(PrequalConstants.RequestsInFlightMetric, out inFlight) || double.IsNaN(inFlight) || inFlight < 0)
        {
            return false;
        }

        if (metrics.TryGetValue(PrequalConstants.LatencyMetric, out var reported) && reported >= 0)
        {
            latency = reported;
        }

        if (metrics.TryGetValue(PrequalConstants.MeanInFlightMetric, out var mean) && mean > 0)
        {
            meanInFlight = mean;
        }

        return true;
    }
}
