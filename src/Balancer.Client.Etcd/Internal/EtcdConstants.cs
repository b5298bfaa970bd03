namespace Balancer.Client.Etcd.Internal;

/// <summary>Defaults and limits of the etcd options.</summary>
internal static class EtcdConstants
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinRequestTimeout = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DefaultRetryDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxFirstRetryDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxMaxRetryDelay = TimeSpan.FromMinutes(10);

    /// <summary>etcd's lease TTLs are whole seconds; shorter leases are raised by etcd to its minimum (about 2 s by default).</summary>
    public static readonly TimeSpan MinLeaseTtl = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxLeaseTtl = TimeSpan.FromDays(1);

    public const int DefaultApertureSize = 8;
    public const int MaxApertureSize = 10_000;
    public static readonly TimeSpan DefaultMemberTtl = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MinMemberTtl = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxMemberTtl = TimeSpan.FromHours(1);
    public const int MaxMemberIdLength = 200;
    public const int DefaultEjectionQuorum = 3;
    public const int MaxEjectionQuorum = 1000;
    public static readonly TimeSpan DefaultEstimateInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MinEstimateInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxEstimateInterval = TimeSpan.FromMinutes(5);

    /// <summary>The scheme of values that have none.</summary>
    public const string DefaultScheme = "http";

    /// <summary>gRPC's code for an unauthenticated call: etcd's answer to an expired or unknown token.</summary>
    public const int Unauthenticated = 16;

    /// <summary>The longest value quoted in a log message.</summary>
    public const int MaxLoggedValueLength = 200;
}
