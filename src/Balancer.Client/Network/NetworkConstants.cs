namespace Balancer.Client.Network;

internal static class NetworkConstants
{
    public const string LocalZoneEnvironmentVariable = "BALANCER_ZONE";
    public const double DefaultSpilloverThreshold = 2;
    public const double MaxSpilloverThreshold = 1000;
    public const double DefaultProbeJitter = 0.2;
    public const int DefaultProbeConcurrency = 4;
    public const int MaxProbeConcurrency = 256;
    public static readonly TimeSpan DefaultCrossZonePenalty = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxCrossZonePenalty = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinProbeInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxProbeInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromMinutes(1);
}
