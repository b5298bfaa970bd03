using Balancer.Client.Runtime;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// Keeps one subchannel per address (grpc-dotnet's <see cref="SubchannelsLoadBalancer"/>) and, whenever the READY
/// subchannels change, builds an immutable picker over them that asks the client's selection (health, slow start,
/// selector). A subchannel that comes back to READY after a failure rejoins through slow start.
/// </summary>
internal sealed class BalancerLoadBalancer(IChannelControlHelper controller, ILoggerFactory loggerFactory, string policy)
    : SubchannelsLoadBalancer(controller, loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Balancer.Client.Grpc");
    private readonly HashSet<string> _everReady = new(StringComparer.Ordinal);
    private HashSet<string> _ready = new(StringComparer.Ordinal);
    private bool _warned;

    /// <summary>The last picker made over balanced subchannels (benchmarks pick through it).</summary>
    internal BalancerPicker? CurrentPicker { get; private set; }

    protected override SubchannelPicker CreatePicker(IReadOnlyList<Subchannel> readySubchannels)
    {
        ClientRuntime? state = null;
        var byKey = new Dictionary<string, Subchannel>(readySubchannels.Count, StringComparer.Ordinal);
        foreach (var subchannel in readySubchannels)
        {
            var attributes = subchannel.CurrentAddress?.Attributes;
            if (attributes is null
                || !attributes.TryGetValue(GrpcBalancerKeys.Client, out var client)
                || !attributes.TryGetValue(GrpcBalancerKeys.EndpointKey, out var key))
            {
                // Not a balancer:/// channel (another resolver): plain round robin over the ready subchannels, nothing recorded.
                return new RotatingPicker([.. readySubchannels]);
            }

            state = client;
            byKey[key] = subchannel;
        }

        if (state is null)
        {
            return new RotatingPicker([.. readySubchannels]);
        }

        WarnOnPolicyMismatch(state);
        var now = state.TimeProvider.GetTimestamp();
        foreach (var key in byKey.Keys)
        {
            if (!_ready.Contains(key) && !_everReady.Add(key))
            {
                // Back to READY after a failure: ramp up as an endpoint that returns does.
                foreach (var endpoint in state.Endpoints)
                {
                    if (string.Equals(endpoint.Key, key, StringComparison.Ordinal))
                    {
                        state.Health.StartSlowStart(endpoint, now);
                    }
                }
            }
        }

        // Forget endpoints that left the client's set, so that churn does not grow this set without bound.
        var current = new HashSet<string>(state.Endpoints.Select(e => e.Key), StringComparer.Ordinal);
        _everReady.RemoveWhere(key => !current.Contains(key));
        _ready = [.. byKey.Keys];
        var picker = new BalancerPicker(state, byKey);
        CurrentPicker = picker;
        return picker;
    }

    private void WarnOnPolicyMismatch(ClientRuntime state)
    {
        if (_warned || policy == BalancerGrpcPolicyNames.Client)
        {
            return;
        }

        var expected = BalancerGrpcPolicyNames.ForSelector(state.SelectorName);
        if (!string.Equals(expected, policy, StringComparison.OrdinalIgnoreCase))
        {
            _warned = true;
            GrpcLog.PolicyMismatch(_logger, state.Name, policy, state.SelectorName);
        }
    }

    private sealed class RotatingPicker(Subchannel[] subchannels) : SubchannelPicker
    {
        private long _count = -1;

        public override PickResult Pick(PickContext context) =>
            PickResult.ForSubchannel(subchannels[(int)((ulong)Interlocked.Increment(ref _count) % (ulong)subchannels.Length)]);
    }
}
