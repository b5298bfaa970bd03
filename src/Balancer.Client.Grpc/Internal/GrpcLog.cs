using Microsoft.Extensions.Logging;

namespace Balancer.Client.Grpc.Internal;

internal static partial class GrpcLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Balancer client '{Client}': the gRPC channel asks for load balancing policy '{Policy}', but the client's selector is '{Selector}'; calls go through the client's selector. Set the selector in the client's options (Selector) instead.")]
    public static partial void PolicyMismatch(ILogger logger, string client, string policy, string selector);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Balancer client '{Client}': recording a gRPC call to {Endpoint} failed; the call itself is unaffected.")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, string client, string endpoint);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "Balancer client '{Client}': no endpoint available for a gRPC call: {Reason}")]
    public static partial void NoEndpoint(ILogger logger, string client, string reason);
}
