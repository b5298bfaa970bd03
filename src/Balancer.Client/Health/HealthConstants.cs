namespace Balancer.Client.Health;

internal static class HealthConstants
{
    public const double DefaultPanicThreshold = 0.5;
    public const int DefaultConsecutiveFailures = 5;
    public const double DefaultFailureRateThreshold = 0.5;
    public const int DefaultMinimumRequestVolume = 20;
    public const double DefaultMaxEjectionPercent = 0.5;
    public const double DefaultSlowStartMinWeight = 0.1;
    public const string DefaultHealthCheckPath = "/health";
    public const double DefaultHealthCheckJitter = 0.2;
    public static readonly TimeSpan DefaultBaseEjectionTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultMaxEjectionTime = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan DefaultSlowStartWindow = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultHealthCheckInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultHealthCheckTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultMaxCooldown = TimeSpan.FromMinutes(5);
    public const double DefaultReconnectBackoffMultiplier = 1.6;
    public const double DefaultReconnectJitter = 0.2;
    public static readonly TimeSpan DefaultReconnectInitialBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultReconnectMaxBackoff = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan DefaultReconnectTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultReconnectSlowStartWindow = TimeSpan.FromSeconds(5);
}
