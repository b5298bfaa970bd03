using Microsoft.Extensions.Logging;

namespace Balancer.Client.Dns;

/// <summary>Source-generated log messages of the DNS endpoint sources (category <c>Balancer.Client.Dns</c>).</summary>
internal static partial class DnsLog
{
    public const string Category = "Balancer.Client.Dns";

    [LoggerMessage(40, LogLevel.Debug, "Balancer client '{Client}': DNS source {Source} found {Count} endpoints (TTL {Ttl} s); next lookup in {Delay}.")]
    public static partial void Resolved(ILogger logger, string client, string source, int count, int ttl, TimeSpan delay);

    [LoggerMessage(41, LogLevel.Debug, "Balancer client '{Client}': DNS source {Source} found no record; next lookup in {Delay}.")]
    public static partial void NoRecords(ILogger logger, string client, string source, TimeSpan delay);

    [LoggerMessage(42, LogLevel.Debug, "Balancer client '{Client}': DNS source {Source} lookup failed ({Error}); next lookup in {Delay}.")]
    public static partial void LookupFailed(ILogger logger, string client, string source, string error, TimeSpan delay);

    [LoggerMessage(43, LogLevel.Warning, "Balancer client '{Client}': DNS source {Source}: SRV target {Target} has no address (A or AAAA); its records are left out.")]
    public static partial void TargetUnresolved(ILogger logger, string client, string source, string target);
}
