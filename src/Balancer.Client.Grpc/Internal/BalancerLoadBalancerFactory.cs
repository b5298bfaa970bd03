using Grpc.Net.Client.Balancer;

namespace Balancer.Client.Grpc.Internal;

/// <summary>Creates the load balancer of one policy in <see cref="BalancerGrpcPolicyNames"/>.</summary>
internal sealed class BalancerLoadBalancerFactory(string policy) : LoadBalancerFactory
{
    public override string Name => policy;

    public override LoadBalancer Create(LoadBalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new BalancerLoadBalancer(options.Controller, options.LoggerFactory, policy);
    }
}
