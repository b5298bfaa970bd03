using Balancer.Client.Endpoints;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Internal;

/// <summary>
/// Publishes the endpoints that Microsoft.Extensions.ServiceDiscovery's resolver returns for one service, again each
/// time their change token fires, and at least once per refresh period (for providers without change callbacks, and in
/// case a callback is lost).
/// </summary>
internal sealed class ServiceDiscoveryEndpointSource(
    ServiceEndpointResolver resolver,
    string serviceName,
    string defaultScheme,
    TimeSpan refreshPeriod,
    Action<ServiceEndpoint, BalancerEndpointOptions>? configureEndpoint) : IEndpointSource
{
    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromSeconds(30);

    // A provider whose change token has always fired already must not make the source spin: at most 20 resolutions a second.
    private static readonly TimeSpan s_minResolveInterval = TimeSpan.FromMilliseconds(50);

    public async Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        string[]? published = null;
        var retryDelay = s_firstRetryDelay;
        var timeProvider = publisher.TimeProvider;
        while (true)
        {
            var started = timeProvider.GetTimestamp();
            ServiceEndpointSource resolved;
            List<BalancerEndpointOptions> endpoints;
            try
            {
                resolved = await resolver.GetEndpointsAsync(serviceName, cancellationToken).ConfigureAwait(false);
                endpoints = Map(resolved);
            }
            catch (ObjectDisposedException) when (!cancellationToken.IsCancellationRequested)
            {
                return; // The resolver goes away with the container: the client is being disposed too.
            }
#pragma warning disable CA1031 // Any failure of a provider is a failed refresh: reported, and the last good set stays.
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                publisher.ReportError(exception);
                published = null; // The next good answer is published even when unchanged: it ends the error.
                await Task.Delay(retryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, s_maxRetryDelay.Ticks));
                continue;
            }

            retryDelay = s_firstRetryDelay;
            var signature = Signature(endpoints);
            if (published is null || !signature.AsSpan().SequenceEqual(published))
            {
                publisher.Publish(endpoints);
                published = signature;
            }

            await WaitForChangeAsync(resolved.ChangeToken, timeProvider, cancellationToken).ConfigureAwait(false);
            var rest = s_minResolveInterval - timeProvider.GetElapsedTime(started);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override string ToString() => $"service-discovery:{serviceName}";

    private List<BalancerEndpointOptions> Map(ServiceEndpointSource resolved)
    {
        var endpoints = new List<BalancerEndpointOptions>(resolved.Endpoints.Count);
        foreach (var endpoint in resolved.Endpoints)
        {
            var mapped = ServiceEndpointMapper.Map(endpoint, defaultScheme);
            configureEndpoint?.Invoke(endpoint, mapped);
            endpoints.Add(mapped);
        }

        return endpoints;
    }

    /// <summary>
    /// Waits until <paramref name="token"/> fires or the refresh period passes. A change made between the resolution
    /// and the registration is not lost: tokens backed by a cancellation token call back at once when registered
    /// after firing, and <see cref="IChangeToken.HasChanged"/> is read after registering for the others.
    /// </summary>
    private async Task WaitForChangeAsync(IChangeToken token, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = token.ActiveChangeCallbacks
            ? token.RegisterChangeCallback(static state => ((TaskCompletionSource)state!).TrySetResult(), changed)
            : null;
        if (token.HasChanged)
        {
            return;
        }

        try
        {
            await changed.Task.WaitAsync(refreshPeriod, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Resolve again: the resolver returns its cached endpoints unless they changed or it refreshed them.
        }
    }

    private static string[] Signature(List<BalancerEndpointOptions> endpoints)
    {
        var signature = new string[endpoints.Count];
        for (var i = 0; i < signature.Length; i++)
        {
            var e = endpoints[i];
            var metadata = string.Join(';', e.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            signature[i] = FormattableString.Invariant($"{e.Address}|{e.Weight}|{e.Zone}|{e.Priority}|{metadata}");
        }

        return signature;
    }
}
