namespace Balancer.Client.Testing.Simulation;

/// <summary>The services given to the built-in selector factories, which need none.</summary>
internal sealed class EmptyServiceProvider : IServiceProvider
{
    public static readonly EmptyServiceProvider Instance = new();

    public object? GetService(Type serviceType) => null;
}
