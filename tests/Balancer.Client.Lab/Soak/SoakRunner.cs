using System.Diagnostics;
using System.Globalization;
using System.Text;
using Balancer.Client.Selection;
using Spectre.Console;

namespace Balancer.Client.Lab.Soak;

/// <summary>What one soak run measured.</summary>
internal sealed record SoakResult
{
    public required string Contender { get; init; }

    public required string Scenario { get; init; }

    public long Sent { get; init; }

    public long Posts { get; init; }

    public long FailedGets { get; init; }

    public long FailedPosts { get; init; }

    public long DuplicatedPosts { get; init; }

    /// <summary>Gets the attempts beyond one per request (retries and hedges), as a share of requests; null when the contender does not say.</summary>
    public double? ExtraAttemptShare { get; init; }

    public double P50Ms { get; init; }

    public double P99Ms { get; init; }

    public double P999Ms { get; init; }

    /// <summary>
    /// Gets, for each restart of the crashing backend, how long after the restart it received its first request, and
    /// its share of the requests in the fifth second after that (4 to 5 s after its first request).
    /// </summary>
    public IReadOnlyList<(double? FirstRequestAfter, double? Share)> Rejoins { get; init; } = [];

    public int? InFlightAtEnd { get; init; }

    public double MemoryStartMb { get; init; }

    public double MemoryEndMb { get; init; }

    public IReadOnlyDictionary<string, int> Errors { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// Runs the fault soak (<c>--soak</c>): the default balanced client with <c>AddBalancerRetry()</c>, the oracle and the
/// proxies under the same scripted faults, and the balanced client once more without faults; reports lost and
/// duplicated requests, extra attempts, the tail against the oracle's and the no-fault run's, how fast a restarted
/// backend gets its share back, and managed memory before and after.
/// </summary>
internal static class SoakRunner
{
    private const int RequestLogCapacity = 1_000_000;

    public static async Task<int> RunAsync(LabOptions options)
    {
        var duration = options.DurationSet ? options.Duration : SoakScenario.WithFaults.Duration;
        var labOptions = options.WithDuration(duration);
        var faults = LabPlan.Create(SoakScenario.WithFaults, labOptions);
        var quiet = LabPlan.Create(SoakScenario.WithoutFaults, labOptions);
        AnsiConsole.MarkupLine($"[bold]Balancer.Client fault soak[/] on {Markup.Escape(MachineInfo.Current.ToString())}");
        AnsiConsole.MarkupLine($"{Markup.Escape(SoakScenario.WithFaults.Description)}; {duration.TotalSeconds:0} s, {faults.OfferedRate:0} req/s offered ({SoakScenario.PostShare:P0} POSTs), timeline: {Markup.Escape(string.Join("; ", faults.Timeline))}");

        var balanced = new SoakBalancedContender(EndpointSelectorNames.PeakEwma, hedging: false);
        var contenders = new List<LabContender> { balanced, new OracleContender() };
        foreach (var proxy in new[] { ProxyContender.Nginx, ProxyContender.Haproxy })
        {
            if (proxy.UnavailableReason is null && (options.Contenders is null || options.Contenders.Contains(proxy.Name, StringComparer.OrdinalIgnoreCase)))
            {
                contenders.Add(proxy);
            }
        }

        // Unrecorded: JIT, pools and the first connections.
        await RunOnceAsync(quiet with { Duration = TimeSpan.FromSeconds(3) }, balanced, options.Seed, faultsOn: false).ConfigureAwait(false);

        var results = new List<SoakResult>();
        foreach (var contender in contenders)
        {
            var result = await RunOnceAsync(faults, contender, options.Seed, faultsOn: true).ConfigureAwait(false);
            results.Add(result);
            Print(result);
        }

        var baseline = await RunOnceAsync(quiet, balanced, options.Seed, faultsOn: false).ConfigureAwait(false);
        results.Add(baseline);
        Print(baseline);

        Directory.CreateDirectory(options.OutputDirectory);
        var markdown = ToMarkdown(results, faults, duration);
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "soak.md"), markdown).ConfigureAwait(false);
        AnsiConsole.WriteLine();
        AnsiConsole.WriteLine(markdown);
        return 0;
    }

    private static async Task<SoakResult> RunOnceAsync(LabPlan plan, LabContender contender, int seed, bool faultsOn)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        await using var backends = await LabBackends.StartAsync(plan, seed, RequestLogCapacity).ConfigureAwait(false);
        if (faultsOn)
        {
            SoakScenario.Prepare(backends);
        }

        var clients = await contender.CreateAsync(new ContenderContext(plan, backends, seed)).ConfigureAwait(false);
        await using (clients.ConfigureAwait(false))
        {
            var names = backends.Backends.Select(b => b.Name).ToArray();
            var generator = new LoadGenerator(clients.Clients, names, plan.OfferedRate, plan.Duration, seed, plan.RequestClasses, SoakScenario.PostShare);
            var sampler = new ShareSampler();
            var memoryStart = GC.GetTotalMemory(forceFullCollection: true);
            var start = Stopwatch.GetTimestamp() + (long)(0.05 * Stopwatch.Frequency);
            using var stop = new CancellationTokenSource();
            var timeline = backends.RunTimelineAsync(plan.Timeline, start, stop.Token);
            var sampling = sampler.RunAsync(backends, start, stop.Token);
            var reloading = contender is SoakBalancedContender soak ? ReloadEverySecondAsync(soak, backends, stop.Token) : Task.CompletedTask;
            await generator.RunAsync(start).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await sampling.ConfigureAwait(false);
            await reloading.ConfigureAwait(false);
            try
            {
                await timeline.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            var duplicates = backends.Backends
                .SelectMany(b => b.Received)
                .Where(r => r.Method == "POST" && r.BodySha256 is not null)
                .GroupBy(r => r.BodySha256, StringComparer.Ordinal)
                .Sum(g => g.Count() - 1);
            var timeScale = plan.TimeScale;
            var crashing = backends.IndexOf(SoakScenario.Crashing);
            var rejoins = faultsOn
                ? SoakScenario.Restarts.Select(r => Rejoin(sampler, crashing, (r * timeScale).TotalSeconds)).ToArray()
                : [];
            int? inFlight = null;
            double? extra = null;
            if (contender is SoakBalancedContender balanced)
            {
                inFlight = balanced.Inspector?.GetSnapshot(SoakBalancedContender.ClientName)?.Endpoints.Sum(e => e.InFlight);
                var attempted = generator.Sent - generator.Count(RequestOutcome.NoEndpoint);
                extra = generator.Sent == 0 ? 0 : (double)(balanced.Attempts.Attempts - attempted) / generator.Sent;
            }

            foreach (var backend in backends.Backends)
            {
                backend.ResetCounters();
            }

            var memoryEnd = GC.GetTotalMemory(forceFullCollection: true);
            return new SoakResult
            {
                Contender = contender.Name,
                Scenario = plan.Scenario.Name,
                Sent = generator.Sent,
                Posts = generator.PostsSent,
                FailedGets = generator.FailedGets,
                FailedPosts = generator.FailedPosts,
                DuplicatedPosts = duplicates,
                ExtraAttemptShare = extra,
                P50Ms = Ms(generator, 50),
                P99Ms = Ms(generator, 99),
                P999Ms = Ms(generator, 99.9),
                Rejoins = rejoins,
                InFlightAtEnd = inFlight,
                MemoryStartMb = memoryStart / 1048576.0,
                MemoryEndMb = memoryEnd / 1048576.0,
                Errors = new Dictionary<string, int>(generator.ErrorSamples, StringComparer.Ordinal),
            };
        }
    }

    /// <summary>When the backend got its first request after <paramref name="restart"/> (seconds into the run), and its share 4 to 5 s after that.</summary>
    private static (double? FirstRequestAfter, double? Share) Rejoin(ShareSampler sampler, int backend, double restart)
    {
        var atRestart = sampler.CountsAt(restart)[backend];
        foreach (var (at, counts) in sampler.Samples)
        {
            if (at > restart && counts[backend] > atRestart)
            {
                return (at - restart, sampler.ShareBetween([backend], at + 4, at + 5));
            }
        }

        return (null, null);
    }

    private static async Task ReloadEverySecondAsync(SoakBalancedContender contender, LabBackends backends, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var round = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                contender.Configuration?.Set(contender.Endpoints(backends.Backends, ++round));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static double Ms(LoadGenerator generator, double percentile) =>
        generator.Latency.TotalCount == 0 ? 0 : generator.Latency.GetValueAtPercentile(percentile) / 1000.0;

    private static void Print(SoakResult r) =>
        AnsiConsole.MarkupLine(Markup.Escape(FormattableString.Invariant(
            $"  {r.Scenario} {r.Contender}: {r.Sent} sent ({r.Posts} POST), failed GET {r.FailedGets}, failed POST {r.FailedPosts}, duplicated POST {r.DuplicatedPosts}, extra attempts {Percent(r.ExtraAttemptShare)}, p50 {r.P50Ms:0.0} p99 {r.P99Ms:0.0} p99.9 {r.P999Ms:0.0} ms, memory {r.MemoryStartMb:0.0} → {r.MemoryEndMb:0.0} MB; errors: {string.Join(", ", r.Errors.OrderByDescending(e => e.Value).Take(4).Select(e => $"{e.Key} ×{e.Value}"))}")));

    private static string Percent(double? share) => share is { } s ? s.ToString("P1", CultureInfo.InvariantCulture) : "—";

    private static string ToMarkdown(IReadOnlyList<SoakResult> results, LabPlan plan, TimeSpan duration)
    {
        var culture = CultureInfo.InvariantCulture;
        var oracle = results.FirstOrDefault(r => r.Contender == OracleContender.ContenderName && r.Scenario == SoakScenario.Name);
        var quiet = results.FirstOrDefault(r => r.Scenario != SoakScenario.Name);
        var text = new StringBuilder();
        text.AppendLine(culture, $"Fault soak, {DateTimeOffset.UtcNow:yyyy-MM-dd} UTC, {MachineInfo.Current}: {SoakScenario.WithFaults.Description}; {duration.TotalSeconds:0} s at {plan.OfferedRate:0} req/s, {SoakScenario.PostShare:P0} POSTs.");
        text.AppendLine();
        text.AppendLine("| contender | run | requests | failed GET | failed POST | duplicated POST | extra attempts | p50 ms | p99 ms | p99 / oracle | p99.9 ms | b3 after each restart: first request after, share in its 5th second | in flight at end | managed MB start → end |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
        foreach (var r in results)
        {
            var ratio = oracle is null || oracle.P99Ms == 0 || r.Scenario != SoakScenario.Name ? "—" : (r.P99Ms / oracle.P99Ms).ToString("0.00x", culture);
            var restarts = r.Rejoins.Count == 0 ? "—" : string.Join(" / ", r.Rejoins.Select(j => j.FirstRequestAfter is { } after ? FormattableString.Invariant($"{after:0.0} s, {Percent(j.Share)}") : "never"));
            text.AppendLine(culture, $"| {r.Contender} | {(r.Scenario == SoakScenario.Name ? "faults" : "no faults")} | {r.Sent} | {r.FailedGets} | {r.FailedPosts} | {r.DuplicatedPosts} | {Percent(r.ExtraAttemptShare)} | {r.P50Ms:0.0} | {r.P99Ms:0.0} | {ratio} | {r.P999Ms:0.0} | {restarts} | {(r.InFlightAtEnd is { } f ? f.ToString(culture) : "—")} | {r.MemoryStartMb:0.0} → {r.MemoryEndMb:0.0} |");
        }

        if (quiet is not null && results.FirstOrDefault(r => r.Scenario == SoakScenario.Name) is { } first && quiet.P99Ms > 0)
        {
            text.AppendLine();
            text.AppendLine(culture, $"{first.Contender}: p99 under faults {first.P99Ms:0.0} ms = {first.P99Ms / quiet.P99Ms:0.00}x its p99 without faults ({quiet.P99Ms:0.0} ms).");
        }

        text.AppendLine();
        text.AppendLine("Errors seen, most frequent first:");
        foreach (var r in results.Where(r => r.Errors.Count > 0))
        {
            text.AppendLine(culture, $"- {r.Contender} ({r.Scenario}): {string.Join("; ", r.Errors.OrderByDescending(e => e.Value).Take(5).Select(e => $"{e.Key} ×{e.Value}"))}");
        }

        return text.ToString();
    }
}
