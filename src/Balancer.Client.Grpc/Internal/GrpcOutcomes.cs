using System.Net;
using Balancer.Client.Feedback;
using Grpc.Core;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// How a gRPC call's ending counts for its endpoint. UNAVAILABLE and DEADLINE_EXCEEDED are failures of the endpoint;
/// RESOURCE_EXHAUSTED is back-pressure (a failure for the selectors' cost, never a reason to eject); CANCELLED is the
/// caller's choice (not recorded); every other status is the application's answer, a success of the endpoint.
/// </summary>
internal static class GrpcOutcomes
{
    public const string StatusHeader = "grpc-status";
    public const string TimeoutHeader = "grpc-timeout";

    /// <summary>Stands in for the request in feedback when the channel gave none (it always does today).</summary>
    public static readonly HttpRequestMessage NoRequest = new();

    public static (AttemptOutcome Outcome, bool BackPressure) FromStatus(StatusCode status) => status switch
    {
        StatusCode.OK => (AttemptOutcome.Success, false),
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => (AttemptOutcome.Failure, false),
        StatusCode.ResourceExhausted => (AttemptOutcome.Failure, true),
        StatusCode.Cancelled => (AttemptOutcome.Canceled, false),
        _ => (AttemptOutcome.Success, false),
    };

    /// <summary>A response that is not HTTP 200 never reached a gRPC service (a proxy's or the server's own error).</summary>
    public static (AttemptOutcome Outcome, bool BackPressure) FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.TooManyRequests => (AttemptOutcome.Failure, true),
        >= HttpStatusCode.InternalServerError => (AttemptOutcome.Failure, false),
        _ => (AttemptOutcome.Success, false),
    };

    /// <summary>
    /// An exception ends the call: the caller's cancellation is not the endpoint's fault, unless the call's deadline
    /// (its <c>grpc-timeout</c>) ran out, which is DEADLINE_EXCEEDED; anything else (refused, reset, protocol error) is a failure.
    /// </summary>
    public static (AttemptOutcome Outcome, bool BackPressure) FromException(Exception exception, HttpRequestMessage? request, long start, long now, long frequency)
    {
        if (exception is OperationCanceledException || exception is RpcException { StatusCode: StatusCode.Cancelled })
        {
            return DeadlineElapsed(request, start, now, frequency) ? (AttemptOutcome.Failure, false) : (AttemptOutcome.Canceled, false);
        }

        if (exception is RpcException rpc)
        {
            return FromStatus(rpc.StatusCode);
        }

        return (AttemptOutcome.Failure, false);
    }

    /// <summary>Reads the <c>grpc-status</c> value of a header collection, if it has one.</summary>
    public static bool TryGetStatus(System.Net.Http.Headers.HttpHeaders headers, out StatusCode status)
    {
        if (headers.NonValidated.TryGetValues(StatusHeader, out var values))
        {
            foreach (var value in values)
            {
                if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
                {
                    status = (StatusCode)code;
                    return true;
                }
            }
        }

        status = default;
        return false;
    }

    private static bool DeadlineElapsed(HttpRequestMessage? request, long start, long now, long frequency)
    {
        if (request is null || !request.Headers.NonValidated.TryGetValues(TimeoutHeader, out var values))
        {
            return false;
        }

        foreach (var value in values)
        {
            if (TryParseTimeout(value, out var timeout))
            {
                // A small margin: the deadline counts from the call's start, slightly before this attempt's.
                return (now - start) >= (timeout.TotalSeconds * 0.95 * frequency);
            }
        }

        return false;
    }

    /// <summary>Parses a <c>grpc-timeout</c> value: up to 8 digits and a unit (H, M, S, m, u, n).</summary>
    internal static bool TryParseTimeout(string value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length < 2 || !long.TryParse(value.AsSpan(0, value.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double? ticks = value[^1] switch
        {
            'H' => amount * (double)TimeSpan.TicksPerHour,
            'M' => amount * (double)TimeSpan.TicksPerMinute,
            'S' => amount * (double)TimeSpan.TicksPerSecond,
            'm' => amount * (double)TimeSpan.TicksPerMillisecond,
            'u' => amount * (TimeSpan.TicksPerMillisecond / 1000.0),
            'n' => amount / 100.0,
            _ => null,
        };
        if (ticks is not { } t)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks((long)Math.Min(t, TimeSpan.MaxValue.Ticks));
        return true;
    }
}
