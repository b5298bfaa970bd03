using Balancer.Client.Runtime;
using Balancer.Client.Endpoints;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// Feeds a balanced client's endpoint set (options and sources, reloaded live) into a gRPC channel, with the load
/// balancing policy of the client's selector. Publications run on the thread pool, one at a time, always with the
/// latest set: the client's apply lock and the channel's lock are never held together.
/// </summary>
internal sealed class BalancerResolver(ClientRuntime state) : Resolver
{
    private readonly object _publishLock = new();
    private Action<ResolverResult>? _listener;
    private int _pending;
    private volatile bool _disposed;

    public override void Start(Action<ResolverResult> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _listener = listener;
        state.EndpointsChanged += OnEndpointsChanged;
        if (state.EndpointSet.Endpoints.Length == 0 && state.HasSources)
        {
            // Sources publish asynchronously: wait (bounded, as the HTTP client does) for the first endpoints.
            _ = WaitThenPublishAsync();
            return;
        }

        Schedule();
    }

    public override void Refresh()
    {
        if (state.EndpointSet.Endpoints.Length == 0 && state.HasSources)
        {
            // Sources have not published yet: an empty answer now would fail the first calls; wait as Start does.
            _ = WaitThenPublishAsync();
            return;
        }

        Schedule();
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        state.EndpointsChanged -= OnEndpointsChanged;
        base.Dispose(disposing);
    }

    private void OnEndpointsChanged(EndpointSet set) => Schedule();

    private async Task WaitThenPublishAsync()
    {
        try
        {
            await state.WaitForEndpointsAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // No endpoints in time: publish what there is (a failure status while empty); a later set publishes again.
        }

        Schedule();
    }

    private void Schedule()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Publish(), this, preferLocal: false);
        }
    }

    private void Publish()
    {
        lock (_publishLock)
        {
            Volatile.Write(ref _pending, 0);
            if (_disposed || _listener is not { } listener)
            {
                return;
            }

            listener(CreateResult(state.EndpointSet));
        }
    }

    private ResolverResult CreateResult(EndpointSet set)
    {
        if (set.Endpoints.Length == 0)
        {
            return ResolverResult.ForFailure(new Status(StatusCode.Unavailable, state.HasSources
                ? $"Balancer client '{state.Name}' has no endpoints: none in its options and none from its endpoint sources{state.DescribeSources()}."
                : $"Balancer client '{state.Name}' has no endpoints configured."));
        }

        var addresses = new BalancerAddress[set.Endpoints.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            var endpoint = set.Endpoints[i];
            var address = new BalancerAddress(endpoint.Address.DnsSafeHost, endpoint.Port);
            address.Attributes.Set(GrpcBalancerKeys.Client, state);
            address.Attributes.Set(GrpcBalancerKeys.EndpointKey, endpoint.Key);
            address.Attributes.Set(GrpcBalancerKeys.Weight, endpoint.Weight);
            if (endpoint.Zone is { } zone)
            {
                address.Attributes.Set(GrpcBalancerKeys.Zone, zone);
            }

            addresses[i] = address;
        }

        // The policy of the client's selector, then the one that runs any selector (a custom one has no policy of its own).
        var config = new ServiceConfig();
        config.LoadBalancingConfigs.Add(new LoadBalancingConfig(BalancerGrpcPolicyNames.ForSelector(state.SelectorName)));
        config.LoadBalancingConfigs.Add(new LoadBalancingConfig(BalancerGrpcPolicyNames.Client));
        return ResolverResult.ForResult(addresses, config, serviceConfigStatus: null);
    }
}
