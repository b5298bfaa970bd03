namespace Balancer.Client.Dns;

/// <summary>Defaults and limits of <see cref="DnsEndpointOptions"/>.</summary>
internal static class DnsEndpointConstants
{
    public const string DefaultScheme = "http";
    public const int DefaultRetries = 2;
    public const int MaxRetries = 10;

    public static readonly TimeSpan DefaultMinRefresh = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMaxRefresh = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultQueryTimeout = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan MinMinRefresh = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxMinRefresh = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxMaxRefresh = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinQueryTimeout = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxQueryTimeout = TimeSpan.FromMinutes(1);

}
