namespace Balancer.Client.ServiceDiscovery.Internal;

/// <summary>Marks a client that takes its endpoints from Microsoft.Extensions.ServiceDiscovery.</summary>
internal sealed record ServiceDiscoveryClient(string Name);
