using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>Source-generated log messages of the etcd endpoint source and fleet (event ids 100–109).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "Balancer client '{ClientName}': etcd key '{Key}' has value '{Value}', which {Problem}; the instance is left out.")]
    public static partial void InvalidValue(ILogger logger, string clientName, string key, string value, string problem);

    [LoggerMessage(103, LogLevel.Warning, "Balancer client '{ClientName}': etcd key '{Key}' has value '{Value}', whose address {Reason}; the instance is left out.")]
    public static partial void RefusedValue(ILogger logger, string clientName, string key, string value, string reason);

    [LoggerMessage(101, LogLevel.Information, "Balancer client '{ClientName}': the etcd watch of '{Prefix}' fell behind a compaction (revision {CompactRevision}); reading the prefix again.")]
    public static partial void Compacted(ILogger logger, string clientName, string prefix, long compactRevision);

    [LoggerMessage(104, LogLevel.Warning, "Balancer client '{ClientName}': etcd key '{Key}' under the fleet's prefix has value '{Value}', which is not a member (a JSON object under a key without '/'); it is left out.")]
    public static partial void InvalidMember(ILogger logger, string clientName, string key, string value);

    [LoggerMessage(105, LogLevel.Warning, "Balancer client '{ClientName}': the fleet under '{Prefix}' cannot be followed in etcd; the aperture keeps the last {Members} members known (every endpoint when this instance is the only one) and requests are not affected. Retrying.")]
    public static partial void FleetUnavailable(ILogger logger, Exception exception, string clientName, string prefix, int members);

    [LoggerMessage(106, LogLevel.Information, "Balancer client '{ClientName}': following the fleet under '{Prefix}' in etcd again ({Members} members).")]
    public static partial void FleetResumed(ILogger logger, string clientName, string prefix, int members);

    [LoggerMessage(107, LogLevel.Information, "Balancer client '{ClientName}': the fleet under '{Prefix}' has {Members} members; this instance is '{MemberId}'.")]
    public static partial void FleetChanged(ILogger logger, string clientName, string prefix, int members, string memberId);

    [LoggerMessage(108, LogLevel.Warning, "Balancer client '{ClientName}': etcd key '{Key}' under the fleet's estimates has value '{Value}', which {Problem}.")]
    public static partial void InvalidEstimates(ILogger logger, string clientName, string key, string value, string problem);

    [LoggerMessage(109, LogLevel.Error, "Balancer client '{ClientName}': a handler of the fleet's membership change under '{Prefix}' threw; the fleet is still followed.")]
    public static partial void ChangedHandlerFailed(ILogger logger, Exception exception, string clientName, string prefix);

    [LoggerMessage(102, LogLevel.Debug, "Balancer client '{ClientName}': watching '{Prefix}' on etcd at {Endpoint} from revision {Revision}.")]
    public static partial void Watching(ILogger logger, string clientName, string prefix, Uri endpoint, long revision);
}
