using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;
using Balancer.Client.Health;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Selection.Pipeline;

/// <summary>
/// Picks the endpoint of one attempt: eligible (<see cref="EligibleFilter"/>) -> not yet tried
/// (<see cref="NotTriedFilter"/>) -> the client's <see cref="IEndpointSelector"/> -> <see cref="SlowStartAdmission"/>.
/// Every way of finding none ends in a <see cref="NoAvailableEndpointException"/> that names the client and the reason,
/// counted and logged once. One per client; lock-free, and allocation-free unless two or more endpoints are left out.
/// </summary>
internal sealed class SelectionPipeline(string clientName, HealthMonitor health, TimeProvider timeProvider, BalancerMetrics metrics, ILogger logger, Func<string>? describeSources)
{
    private readonly NotTriedFilter _notTried = new();
    private Settings? _settings;

    /// <summary>Applies the (re)loaded selector and retry rule; the next pick uses them.</summary>
    public void Configure(IEndpointSelector selector, string selectorName, bool reuseTriedEndpoints) =>
        Volatile.Write(ref _settings, new Settings(selector, selectorName, reuseTriedEndpoints));

    /// <summary>The selector the next pick uses (<see langword="null"/> before the first <see cref="Configure"/>).</summary>
    public IEndpointSelector? Selector => Volatile.Read(ref _settings)?.Selector;

    /// <summary>The display name of <see cref="Selector"/>, or empty before the first <see cref="Configure"/>.</summary>
    public string SelectorName => Volatile.Read(ref _settings)?.SelectorName ?? string.Empty;

    /// <summary>
    /// The endpoint for an attempt of <paramref name="request"/> among <paramref name="set"/>, leaving out the endpoints
    /// of <paramref name="tried"/> (earlier attempts of the request) while others remain.
    /// </summary>
    /// <exception cref="NoAvailableEndpointException">No endpoint, none available, or all tried (and reuse is off).</exception>
    public BalancerEndpoint Select(HttpRequestMessage? request, EndpointSet set, BalancerEndpoint[] tried) => Select(request, set, tried, out _);

    /// <summary>
    /// As <see cref="Select(HttpRequestMessage?, EndpointSet, BalancerEndpoint[])"/>, and gives the timestamp the pick
    /// was made at, so that the attempt that follows starts there without reading the clock again.
    /// </summary>
    public BalancerEndpoint Select(HttpRequestMessage? request, EndpointSet set, BalancerEndpoint[] tried, out long now)
    {
        now = 0;
        var settings = Volatile.Read(ref _settings) ?? throw new InvalidOperationException($"Balancer client '{clientName}' has no selector yet.");
        if (set.Endpoints.Length == 0)
        {
            throw Fail(NoAvailableEndpointReason.NoEndpoints, describeSources is not null
                ? $"Balancer client '{clientName}' has no endpoints: none in its options and none from its endpoint sources{describeSources()}."
                : $"Balancer client '{clientName}' has no endpoints configured.");
        }

        now = timeProvider.GetTimestamp();
        var pool = EligibleFilter.Apply(health, set, now);
        if (pool.Length == 0)
        {
            throw Fail(NoAvailableEndpointReason.AllUnavailable, $"Balancer client '{clientName}': none of its {set.Endpoints.Length} endpoints is available ({health.DescribeUnavailable(set, now)}).");
        }

        var candidates = _notTried.Apply(pool, tried);
        if (candidates.Count == 0)
        {
            if (!settings.ReuseTriedEndpoints)
            {
                throw Fail(NoAvailableEndpointReason.AllTried, $"Balancer client '{clientName}': all {pool.Length} available endpoints were already tried by earlier attempts of this request (ReuseTriedEndpoints is off).");
            }

            candidates = pool;
        }

        var selected = SlowStartAdmission.Select(settings.Selector, new SelectionContext(candidates, request, tried, pool) { Timestamp = now }, health, now);
        return selected ?? throw Fail(NoAvailableEndpointReason.AllUnavailable, $"Balancer client '{clientName}': selector '{settings.SelectorName}' found no available endpoint among {candidates.Count} eligible of {set.Endpoints.Length}.");
    }

    private NoAvailableEndpointException Fail(NoAvailableEndpointReason reason, string message)
    {
        metrics.SelectionFailed(clientName, reason);
        Log.SelectionFailed(logger, clientName, reason, message);
        return new NoAvailableEndpointException(clientName, reason, message);
    }

    private sealed record Settings(IEndpointSelector Selector, string SelectorName, bool ReuseTriedEndpoints);
}
