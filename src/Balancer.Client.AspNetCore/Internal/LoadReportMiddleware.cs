using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>
/// Counts the requests in flight (lock-free), keeps an EWMA of completed requests' durations, and writes both as
/// <c>endpoint-load-metrics: TEXT named_metrics.rif=…, named_metrics.latency_ms=…</c> at response start.
/// </summary>
internal sealed class LoadReportMiddleware
{
    private readonly RequestDelegate _next;
    private readonly PathString _probePath;
    private long _inFlight;
    private long _latencyBits = BitConverter.DoubleToInt64Bits(double.NaN);

    public LoadReportMiddleware(RequestDelegate next, BalancerLoadReportOptions options)
    {
        _next = next;
        _probePath = new PathString(options.ProbePath);
    }

    public long InFlight => Volatile.Read(ref _inFlight);

    public double LatencyMilliseconds => BitConverter.Int64BitsToDouble(Volatile.Read(ref _latencyBits));

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
        Interlocked.Increment(ref _inFlight);
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
            Observe(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private void Observe(double milliseconds)
    {
        while (true)
        {
            var currentBits = Volatile.Read(ref _latencyBits);
            var current = BitConverter.Int64BitsToDouble(currentBits);
            var next = double.IsNaN(current) ? milliseconds : current + (LoadReportConstants.LatencySmoothing * (milliseconds - current));
            if (Interlocked.CompareExchange(ref _latencyBits, BitConverter.DoubleToInt64Bits(next), currentBits) == currentBits)
            {
                return;
            }
        }
    }

    internal string Report()
    {
        var rif = Math.Max(0, InFlight);
        var latency = LatencyMilliseconds;
        return double.IsNaN(latency)
            ? string.Create(CultureInfo.InvariantCulture, $"TEXT named_metrics.rif={rif}")
            : string.Create(CultureInfo.InvariantCulture, $"TEXT named_metrics.rif={rif}, named_metrics.latency_ms={latency:0.###}");
    }
}
