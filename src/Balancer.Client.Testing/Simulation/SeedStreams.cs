namespace Balancer.Client.Testing.Simulation;

/// <summary>The independent random streams derived from a run's seed; every contender gets the same ones.</summary>
internal static class SeedStreams
{
    public const int Arrivals = 1;

    public const int Selector = 2;

    public const int Backend = 3;

    public const int RequestClasses = 4;
}
