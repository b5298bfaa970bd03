using System.Net.Sockets;
using Balancer.Client.Grpc.Tests.Echo;
using Grpc.Core;

namespace Balancer.Client.Lab.Grpc;

/// <summary>A unary Echo call as one client instance of a contender makes it.</summary>
internal delegate Task<EchoReply> EchoCall(EchoRequest request, CallOptions options);

/// <summary>
/// Unary Echo calls, the request's path as the request text, with the run's timeout as the call's deadline; the
/// backend by the reply's server name. Statuses map onto the HTTP lab's outcomes: a scripted fast failure is a 5xx,
/// DEADLINE_EXCEEDED a timeout, UNAVAILABLE with a refused connection under it a refusal, an aborted stream or
/// connection a reset, a balancer with no connected endpoint "no endpoint".
/// </summary>
internal sealed class GrpcLoadTarget(IReadOnlyList<EchoCall> calls, TimeSpan timeout) : LoadTarget
{
    public override int Clients => calls.Count;

    public override async Task<LoadAnswer> SendAsync(int client, Uri path, bool post, long number)
    {
        try
        {
            var reply = await calls[client](new EchoRequest { Text = path.OriginalString }, new CallOptions(deadline: DateTime.UtcNow + timeout)).ConfigureAwait(false);
            return new LoadAnswer(RequestOutcome.Succeeded, reply.Server);
        }
        catch (RpcException exception)
        {
            var outcome = Classify(exception);
            var detail = exception.Status.Detail is { Length: > 0 } text ? text : exception.Status.DebugException is { } debug ? Innermost(debug).Message : "(no detail)";
            return new LoadAnswer(outcome, Error: $"{outcome}: {exception.StatusCode}: {detail}");
        }
        catch (Exception exception)
        {
            return new LoadAnswer(RequestOutcome.Other, Error: $"Other: {exception.GetType().Name}: {Innermost(exception).Message}");
        }
    }

    internal static RequestOutcome Classify(RpcException exception)
    {
        var status = exception.Status;
        switch (status.StatusCode)
        {
            case StatusCode.DeadlineExceeded:
                return RequestOutcome.Timeout;
            case StatusCode.ResourceExhausted:
                return RequestOutcome.StatusOther;
            case StatusCode.Unavailable when status.Detail.StartsWith(GrpcLabBackend.FailureDetail, StringComparison.Ordinal):
                return RequestOutcome.Status5xx;
            case StatusCode.Unavailable when status.Detail.StartsWith("Balancer client '", StringComparison.Ordinal):
                return RequestOutcome.NoEndpoint;
            case StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled or StatusCode.Unknown:
                var debug = status.DebugException;
                if (debug is null)
                {
                    return RequestOutcome.Other;
                }

                var socket = FindInner<SocketException>(debug);
                var http = FindInner<HttpRequestException>(debug);
                if (socket?.SocketErrorCode == SocketError.ConnectionRefused || http?.HttpRequestError == HttpRequestError.ConnectionError)
                {
                    return RequestOutcome.Refused;
                }

                return RequestOutcome.Reset;
            default:
                return RequestOutcome.Other;
        }
    }
}
