using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Balancer.Client.Testing.Internal;

/// <summary>
/// Answers one request as the backend's <see cref="BackendBehavior"/> says: stall, reset, fail fast, swallow, or
/// queue, serve and answer 200. <paramref name="stopping"/> fires when the host stops; waiting requests are then aborted.
/// Health checks (GET or HEAD of <see cref="HealthPath"/>) are answered at once and counted apart.
/// </summary>
internal sealed class BackendRequestHandler(BackendState state, CancellationToken stopping)
{
    public const string HealthPath = "/health";

    public async Task HandleAsync(HttpContext context)
    {
        if (IsHealthCheck(context.Request))
        {
            await AnswerHealthCheckAsync(context).ConfigureAwait(false);
            return;
        }

        var arrival = state.Time.GetTimestamp();
        state.Received.Increment();
        state.Arrivals.Mark();
        state.OnPending(1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var token = linked.Token;
        try
        {
            var request = context.Request;
            var body = await ReadBodyAsync(context, token).ConfigureAwait(false);
            var hash = body is null ? null : Sha256Hex(body);
            var host = request.Headers.Host.Count > 0 ? request.Headers.Host.ToString() : null;
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString).ToString();
            state.Log.Add(new ReceivedRequest(request.Method, target, host, body?.Length ?? 0, hash));

            await state.WaitOutStallAsync(arrival, token).ConfigureAwait(false);
            var behavior = state.Behavior;
            var draw = state.Random.NextDouble();
            if (draw < behavior.ResetRate)
            {
                state.Errors.Mark();
                context.Abort();
                return;
            }

            if (draw < behavior.ResetRate + behavior.FailureRate)
            {
                state.Errors.Mark();
                if (behavior.RetryAfter is { Ticks: > 0 } retryAfter)
                {
                    context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await RespondAsync(context, behavior.FailureStatusCode, state.NameBytes, host, hash: null, token).ConfigureAwait(false);
                return;
            }

            if (behavior.BlackHole)
            {
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
            }

            await state.ServeAsync(behavior, behavior.PathFactor(request.Path.Value), token).ConfigureAwait(false);
            await RespondAsync(context, StatusCodes.Status200OK, body ?? state.NameBytes, host, hash, token).ConfigureAwait(false);
            state.OnServed();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client gave up, or the backend is stopping: drop the connection instead of answering.
            context.Abort();
        }
        finally
        {
            state.OnPending(-1);
        }
    }

    private static bool IsHealthCheck(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && string.Equals(request.Path.Value, HealthPath, StringComparison.OrdinalIgnoreCase);

    private async Task AnswerHealthCheckAsync(HttpContext context)
    {
        state.HealthChecks.Increment();
        var host = context.Request.Headers.Host.Count > 0 ? context.Request.Headers.Host.ToString() : null;
        var token = context.RequestAborted;
        try
        {
            await RespondAsync(context, state.Behavior.HealthStatusCode, state.NameBytes, host, hash: null, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            context.Abort();
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, CancellationToken token)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return null;
        }

        using var buffer = new MemoryStream((int)Math.Min(context.Request.ContentLength ?? 0, int.MaxValue));
        await context.Request.Body.CopyToAsync(buffer, token).ConfigureAwait(false);
        return buffer.Length == 0 ? null : buffer.ToArray();
    }

    private async Task RespondAsync(HttpContext context, int status, byte[] body, string? host, string? hash, CancellationToken token)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers[BackendHeaders.Backend] = state.Name;
        if (host is not null)
        {
            response.Headers[BackendHeaders.ReceivedHost] = host;
        }

        if (hash is not null)
        {
            response.Headers[BackendHeaders.BodySha256] = hash;
        }

        if (state.Behavior.ReportLoad)
        {
            response.Headers[BackendHeaders.LoadMetrics] = FormatLoadReport();
        }

        response.ContentType = hash is null ? "text/plain; charset=utf-8" : "application/octet-stream";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, token).ConfigureAwait(false);
    }

    /// <summary>The ORCA text form: <c>TEXT cpu_utilization=0.25, rps_fractional=120.5, eps=0</c>.</summary>
    private string FormatLoadReport()
    {
        var behavior = state.Behavior;
        var utilization = behavior.ReportedUtilization ?? ((double)state.InService / behavior.Capacity);
        var rps = behavior.ReportedRps ?? state.Arrivals.PerSecond();
        var eps = state.Errors.PerSecond();
        return string.Create(CultureInfo.InvariantCulture, $"TEXT cpu_utilization={utilization:0.######}, rps_fractional={rps:0.###}, eps={eps:0.###}");
    }

    private static string Sha256Hex(byte[] body)
    {
        var hash = SHA256.HashData(body);
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(hash);
#else
        return string.Create(hash.Length * 2, hash, static (chars, bytes) =>
        {
            const string Digits = "0123456789abcdef";
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
            }
        });
#endif
    }
}
