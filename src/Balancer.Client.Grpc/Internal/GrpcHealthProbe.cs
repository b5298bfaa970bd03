using Balancer.Client.Endpoints;
using Balancer.Client.Health;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// The active check of a gRPC client: the standard health protocol (<c>grpc.health.v1.Health/Check</c>) on each
/// endpoint, over the check transport (never through the balanced channel). The service asked about is
/// <see cref="ActiveHealthCheckOptions.Path"/> without its leading '/', and the whole server ("") for the default path.
/// </summary>
internal static class GrpcHealthProbe
{
    public static async Task<bool> CheckAsync(HttpClient client, BalancerEndpoint endpoint, ActiveHealthCheckOptions options, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(endpoint.Address, new GrpcChannelOptions { HttpClient = client, DisposeHttpClient = false });
        var reply = await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = ServiceName(options) }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
    }

    internal static string ServiceName(ActiveHealthCheckOptions options) =>
        string.Equals(options.Path, HealthConstants.DefaultHealthCheckPath, StringComparison.Ordinal) ? string.Empty : options.Path.TrimStart('/');
}
