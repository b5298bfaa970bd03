using Balancer.Client.Runtime;
using Balancer.Client.Endpoints;
using Balancer.Client.Health;
using Balancer.Client.Selection;
using Balancer.Client.Selection.Pipeline;
using Grpc.Core;
using Grpc.Net.Client.Balancer;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// Picks among the READY subchannels of one channel: the client's eligible endpoints (health, priority tiers, panic)
/// that have a READY subchannel, then the client's selector and slow start, exactly as for an HTTP request. A pick
/// allocates nothing in the steady state: candidates are cached per eligibility snapshot, and each endpoint keeps a
/// small pool of call trackers with their pick results.
/// </summary>
internal sealed class BalancerPicker : SubchannelPicker
{
    private readonly ClientRuntime _state;
    private readonly Dictionary<string, TrackerPool> _pools;
    private Candidates? _candidates;

    public BalancerPicker(ClientRuntime state, Dictionary<string, Subchannel> readyByKey)
    {
        _state = state;
        _pools = new Dictionary<string, TrackerPool>(readyByKey.Count, StringComparer.Ordinal);
        foreach (var (key, subchannel) in readyByKey)
        {
            _pools[key] = new TrackerPool(state, subchannel);
        }
    }

    public override PickResult Pick(PickContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = _state;
        var set = state.EndpointSet;
        if (set.Endpoints.Length == 0)
        {
            return Fail($"Balancer client '{state.Name}' has no endpoints.");
        }

        var now = state.TimeProvider.GetTimestamp();
        var eligible = state.Health.GetEligible(set, now);
        var candidates = Volatile.Read(ref _candidates);
        if (candidates is null || !ReferenceEquals(candidates.Source, eligible))
        {
            candidates = Build(eligible, set);
            Volatile.Write(ref _candidates, candidates);
        }

        if (candidates.Endpoints.Length == 0)
        {
            return Fail($"Balancer client '{state.Name}': none of its {set.Endpoints.Length} endpoints is both available and connected ({state.Health.DescribeUnavailable(set, now)}).");
        }

        var endpoint = SlowStartAdmission.Select(state.Selector, new SelectionContext(candidates.Endpoints, context.Request) { Timestamp = now }, state.Health, now);
        if (endpoint is null || !candidates.Pools.TryGetValue(endpoint, out var pool))
        {
            return Fail($"Balancer client '{state.Name}': selector '{state.SelectorName}' found no endpoint among {candidates.Endpoints.Length} connected.");
        }

        var tracker = pool.Rent(endpoint, context.Request);
        context.Request?.Options.Set(GrpcBalancerKeys.Tracker, tracker);
        return tracker.Result;
    }

    private Candidates Build(EligibleEndpoints eligible, EndpointSet set)
    {
        var pools = new Dictionary<BalancerEndpoint, TrackerPool>(ReferenceEqualityComparer.Instance);
        var endpoints = new List<BalancerEndpoint>(eligible.Endpoints.Length);
        foreach (var endpoint in eligible.Endpoints)
        {
            if (_pools.TryGetValue(endpoint.Key, out var pool))
            {
                pools[endpoint] = pool;
                endpoints.Add(endpoint);
            }
        }

        if (endpoints.Count == 0 && eligible.Endpoints.Length > 0)
        {
            // Every eligible endpoint is disconnected and every connected one is out: use the connected ones (the
            // channel says they answer) rather than fail the call, as panic does when too few are eligible.
            foreach (var endpoint in set.Endpoints)
            {
                if (_pools.TryGetValue(endpoint.Key, out var pool))
                {
                    pools[endpoint] = pool;
                    endpoints.Add(endpoint);
                }
            }
        }

        return new Candidates(eligible, [.. endpoints], pools);
    }

    private PickResult Fail(string message)
    {
        GrpcLog.NoEndpoint(_state.Logger, _state.Name, message);
        return PickResult.ForFailure(new Status(StatusCode.Unavailable, message));
    }

    private sealed record Candidates(EligibleEndpoints Source, BalancerEndpoint[] Endpoints, Dictionary<BalancerEndpoint, TrackerPool> Pools);
}
