using System.Diagnostics;
using HdrHistogram;

namespace Balancer.Client.Lab;

/// <summary>Runs one contender once on freshly started backends: timeline, share sampling and load together.</summary>
internal static class LabRunner
{
    /// <summary>A short lead before the first request, so that the timeline, the sampler and the load start on the same clock.</summary>
    private static readonly TimeSpan s_lead = TimeSpan.FromMilliseconds(50);

    /// <summary>How far into a fault the lab checks whether the bad backend has been left alone.</summary>
    public static readonly TimeSpan ReactionTime = TimeSpan.FromSeconds(2);

    public static async Task<RunResult> RunAsync(LabPlan plan, LabContender contender, int repeat, int seed)
    {
        // Start every run from the same state: no garbage from the previous one collected in the middle of this one.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var wall = Stopwatch.StartNew();
        await using var backends = await LabBackends.StartAsync(plan, seed, loadReports: contender.NeedsLoadReports).ConfigureAwait(false);
        ContenderClients clients;
        try
        {
            clients = await contender.CreateAsync(new ContenderContext(plan, backends, seed)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception)
        {
            return new RunResult { Contender = contender.Name, Repeat = repeat, Failure = exception.Message };
        }

        await using (clients.ConfigureAwait(false))
        {
            return await MeasureAsync(plan, contender.Name, repeat, seed, backends, new HttpLoadTarget(clients.Clients), wall).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the plan's load through <paramref name="target"/> to running <paramref name="backends"/>, with the timeline and the share sampler on the same clock.</summary>
    public static async Task<RunResult> MeasureAsync(LabPlan plan, string contender, int repeat, int seed, LabBackendSet backends, LoadTarget target, Stopwatch wall)
    {
        var names = plan.Backends.Select(b => b.Name).ToArray();
        var generator = new LoadGenerator(target, names, plan.OfferedRate, plan.Duration, seed, plan.RequestClasses);
        var sampler = new ShareSampler();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var gcBefore = GC.GetTotalPauseDuration();
        var machineBefore = SystemCpu.Read();
        var start = Stopwatch.GetTimestamp() + (long)(s_lead.TotalSeconds * Stopwatch.Frequency);
        using var stop = new CancellationTokenSource();
        var timeline = backends.RunTimelineAsync(plan.Timeline, start, stop.Token);
        var sampling = sampler.RunAsync(backends, start, stop.Token);
        await generator.RunAsync(start).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / elapsed.TotalSeconds / Environment.ProcessorCount * 100;
        var gcPause = GC.GetTotalPauseDuration() - gcBefore;
        var machineCpu = SystemCpu.Read().PercentSince(machineBefore);
        await stop.CancelAsync().ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        try
        {
            await timeline.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"  note: the timeline of {plan.Scenario.Name} had not finished when the load ended.");
        }

        return Summarize(plan, contender, repeat, generator, sampler, backends, cpu, machineCpu, gcPause, wall.Elapsed);
    }

    private static RunResult Summarize(LabPlan plan, string contender, int repeat, LoadGenerator generator, ShareSampler sampler, LabBackendSet backends, double cpu, double machineCpu, TimeSpan gcPause, TimeSpan wall)
    {
        var latency = generator.Latency;
        var received = backends.ReceivedCounts();
        var sent = generator.Sent;
        var bad = plan.BadBackends.Select(backends.IndexOf).Where(i => i >= 0).ToArray();
        var duration = plan.Duration.TotalSeconds;
        var buckets = (int)Math.Ceiling(duration - 1e-9);
        var perSecond = Enumerable.Range(0, buckets)
            .Select(b => (IReadOnlyList<long>)sampler.CountsBetween(b, Math.Min(b + 1, duration)))
            .ToArray();

        double? inFault = null;
        double? late = null;
        if (plan.FaultWindow is { } window && bad.Length > 0)
        {
            inFault = sampler.ShareBetween(bad, window.From.TotalSeconds, window.To.TotalSeconds);
            var lateFrom = window.From + ReactionTime;
            if (lateFrom < window.To)
            {
                late = sampler.ShareBetween(bad, lateFrom.TotalSeconds, window.To.TotalSeconds);
            }
        }

        // Requests refused at connect or without an endpoint never reach a backend: they are not "missing" requests.
        var total = received.Sum();
        var refused = generator.Count(RequestOutcome.Refused);
        var noEndpoint = generator.Count(RequestOutcome.NoEndpoint);
        return new RunResult
        {
            Contender = contender,
            Repeat = repeat,
            Sent = sent,
            Succeeded = generator.Count(RequestOutcome.Succeeded),
            Status5xx = generator.Count(RequestOutcome.Status5xx),
            StatusOther = generator.Count(RequestOutcome.StatusOther),
            Timeouts = generator.Count(RequestOutcome.Timeout),
            Refused = generator.Count(RequestOutcome.Refused),
            Reset = generator.Count(RequestOutcome.Reset),
            NoEndpoint = generator.Count(RequestOutcome.NoEndpoint),
            OtherErrors = generator.Count(RequestOutcome.Other),
            P50Ms = Ms(latency, 50),
            P90Ms = Ms(latency, 90),
            P99Ms = Ms(latency, 99),
            P999Ms = Ms(latency, 99.9),
            MaxMs = latency.TotalCount == 0 ? 0 : latency.GetMaxValue() / 1000.0,
            MeanMs = latency.TotalCount == 0 ? 0 : latency.GetMean() / 1000.0,
            OfferedRate = plan.OfferedRate,
            SentRate = sent / duration,
            AchievedRate = generator.Count(RequestOutcome.Succeeded) / duration,
            ReceivedByBackend = received,
            AnsweredByBackend = generator.AnsweredBy,
            ExtraRequestShare = sent == 0 ? 0 : (double)(total + refused + noEndpoint - sent) / sent,
            BadShare = bad.Length == 0 || total == 0 ? null : (double)bad.Sum(i => received[i]) / total,
            BadShareInFault = inFault,
            BadShareLate = late,
            ReceivedPerSecond = perSecond,
            CpuPercent = cpu,
            MachineCpuPercent = machineCpu,
            DispatchLagP99Ms = Ms(generator.DispatchLag, 99),
            GcPauseMs = gcPause.TotalMilliseconds,
            WallSeconds = wall.TotalSeconds,
            ErrorSamples = new Dictionary<string, int>(generator.ErrorSamples, StringComparer.Ordinal),
        };
    }

    private static double Ms(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;
}
