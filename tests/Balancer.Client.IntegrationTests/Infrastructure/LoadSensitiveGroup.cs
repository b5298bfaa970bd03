namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>
/// Tests whose assertions depend on latencies measured under load run alone, after the others, so that the rest of
/// the suite does not share the two cores with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadSensitiveGroup
{
    public const string Name = "Load-sensitive";
}
