using Balancer.Client.DependencyInjection;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Grpc.Internal;

/// <summary>Resolves <c>balancer:///{name}</c> (or <c>balancer://{name}</c>) to the endpoints of the balanced client <c>{name}</c>.</summary>
internal sealed class BalancerResolverFactory(IServiceProvider services) : ResolverFactory
{
    public const string Scheme = "balancer";

    public override string Name => Scheme;

    public static string ClientName(Uri address) =>
        string.IsNullOrEmpty(address.Host) ? address.AbsolutePath.Trim('/') : address.Host;

    public override Resolver Create(ResolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = ClientName(options.Address);
        var registry = services.GetRequiredService<BalancerClientRegistry>();
        if (!registry.IsBalanced(name))
        {
            throw new InvalidOperationException($"gRPC address '{options.Address}' names balancer client '{name}', which is not registered; add it with AddGrpcClient<TClient>(\"{name}\").AddBalancer(...).");
        }

        return new BalancerResolver(registry.Get(name));
    }
}
