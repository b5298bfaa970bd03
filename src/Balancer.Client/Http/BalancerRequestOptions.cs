using Balancer.Client.Endpoints;

namespace Balancer.Client.Http;

/// <summary>Keys the balancing handler keeps in <see cref="HttpRequestMessage.Options"/>.</summary>
internal static class BalancerRequestOptions
{
    /// <summary>The endpoints earlier attempts of this request went to: one <see cref="BalancerEndpoint"/>, or an array of them.</summary>
    public static readonly HttpRequestOptionsKey<object> TriedEndpoints = new("Balancer.Client.TriedEndpoints");

    public static BalancerEndpoint[] GetTried(HttpRequestMessage request) =>
        request.Options.TryGetValue(TriedEndpoints, out var value) ? value switch
        {
            BalancerEndpoint one => [one],
            BalancerEndpoint[] many => many,
            _ => [],
        }
        : [];

    public static bool HasTried(HttpRequestMessage request) =>
        request.Options.TryGetValue(TriedEndpoints, out var value) && value is not null;

    public static void AddTried(HttpRequestMessage request, BalancerEndpoint endpoint)
    {
        if (!request.Options.TryGetValue(TriedEndpoints, out var value) || value is null)
        {
            request.Options.Set(TriedEndpoints, endpoint);
            return;
        }

        BalancerEndpoint[] tried = value is BalancerEndpoint one ? [one, endpoint] : [.. (BalancerEndpoint[])value, endpoint];
        request.Options.Set(TriedEndpoints, tried);
    }
}
