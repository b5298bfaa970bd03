namespace Balancer.Client.Selection;

/// <summary>Defaults and sizes of the <see cref="EndpointSelectorNames.ConsistentHash"/> selector.</summary>
internal static class ConsistentHashConstants
{
    public const double DefaultLoadBoundFactor = 1.25;

    /// <summary>Points on the ring per unit of weight (as in ketama and nginx): the share error of one endpoint is about 1/√(160 × weight) ≈ 8%.</summary>
    public const int PointsPerWeight = 160;

    /// <summary>The most points a ring holds (2 MB); above Σweight × 160 = 262,144 every endpoint gets proportionally fewer.</summary>
    public const int MaxPoints = 1 << 18;

    /// <summary>Up to this many endpoints the walk past overloaded endpoints remembers which it already rejected (on the stack).</summary>
    public const int MaxTrackedEndpoints = 1 << 14;
}
