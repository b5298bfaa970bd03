namespace Balancer.Client.ServiceDiscovery.Tests.Infrastructure;

/// <summary>Tests whose assertions depend on latencies measured under load run alone, not alongside the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadSensitiveGroup
{
    public const string Name = "Load-sensitive";
}
