using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>
/// Counts the requests in flight (lock-free), keeps an EWMA of completed requests' durations and one of the requests in
/// flight that arriving requests find (themselves included), and writes them as
/// <c>endpoint-load-metrics: TEXT named_metrics.rif=…, named_metrics.latency_ms=…, named_metrics.rif_mean=…</c> at
/// response start. The latency belongs to the mean load: a client expects more of it when the server's requests in
/// flight are above their mean. It is left out when no request completed for <see cref="LoadReportConstants.QuietTime"/>.
/// </summary>
internal sealed class LoadReportMiddleware
{
    private readonly RequestDelegate _next;
    private readonly PathString _probePath;
    private long _inFlight;
    private long _latencyBits = BitConverter.DoubleToInt64Bits(double.NaN);
    private long _meanInFlightBits = BitConverter.DoubleToInt64Bits(double.NaN);
    private long _latencyAt;
    private long _meanInFlightAt;

    public LoadReportMiddleware(RequestDelegate next, BalancerLoadReportOptions options)
    {
        _next = next;
        _probePath = new PathString(options.ProbePath);
    }

    public long InFlight => Volatile.Read(ref _inFlight);

    public double LatencyMilliseconds => BitConverter.Int64BitsToDouble(Volatile.Read(ref _latencyBits));

    /// <summary>The EWMA of the requests in flight that arriving requests found, themselves included; NaN before the first.</summary>
    public double MeanInFlight => BitConverter.Int64BitsToDouble(Volatile.Read(ref _meanInFlightBits));

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals(_probePath, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers[LoadReportConstants.HeaderName] = Report();
            return Task.CompletedTask;
        }

        return TrackAsync(context);
    }

    private async Task TrackAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        Observe(ref _meanInFlightBits, ref _meanInFlightAt, Interlocked.Increment(ref _inFlight));
        context.Response.OnStarting(static state =>
        {
            var (middleware, ctx) = ((LoadReportMiddleware, HttpContext))state;
            ctx.Response.Headers[LoadReportConstants.HeaderName] = middleware.Report();
            return Task.CompletedTask;
        }, (this, context));
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            Observe(ref _latencyBits, ref _latencyAt, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// Moves an EWMA towards <paramref name="value"/> by at least <see cref="LoadReportConstants.LatencySmoothing"/>, and
    /// by 1 − e^(−Δt/τ) when the previous sample is Δt old (τ = <see cref="LoadReportConstants.QuietTime"/>): after a
    /// quiet spell one request says more than the old average, so a cold first request, or a slow spell long over,
    /// does not stay in the report of a server that few clients try.
    /// </summary>
    private static void Observe(ref long bits, ref long at, double value)
    {
        var now = Stopwatch.GetTimestamp();
        var previous = Interlocked.Exchange(ref at, now);
        var quiet = previous == 0 ? 1 : 1 - Math.Exp(-(now - previous) / (LoadReportConstants.QuietTime.TotalSeconds * Stopwatch.Frequency));
        var weight = Math.Max(LoadReportConstants.LatencySmoothing, quiet);
        while (true)
        {
            var currentBits = Volatile.Read(ref bits);
            var current = BitConverter.Int64BitsToDouble(currentBits);
            var next = double.IsNaN(current) ? value : current + (weight * (value - current));
            if (Interlocked.CompareExchange(ref bits, BitConverter.DoubleToInt64Bits(next), currentBits) == currentBits)
            {
                return;
            }
        }
    }

    internal string Report()
    {
        var rif = Math.Max(0, InFlight);
        // A latency older than the quiet time is left out: the client then takes the server for a typical one and tries it.
        var latency = Stopwatch.GetTimestamp() - Volatile.Read(ref _latencyAt) > LoadReportConstants.QuietTime.TotalSeconds * Stopwatch.Frequency ? double.NaN : LatencyMilliseconds;
        return double.IsNaN(latency)
            ? string.Create(CultureInfo.InvariantCulture, $"TEXT named_metrics.rif={rif}")
            : string.Create(CultureInfo.InvariantCulture, $"TEXT named_metrics.rif={rif}, named_metrics.latency_ms={latency:0.###}, named_metrics.rif_mean={MeanInFlight:0.###}");
    }
}
