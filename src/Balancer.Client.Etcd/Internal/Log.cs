using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>Source-generated log messages of the etcd endpoint source (event ids 100–109).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "Balancer client '{ClientName}': etcd key '{Key}' has value '{Value}', which {Problem}; the instance is left out.")]
    public static partial void InvalidValue(ILogger logger, string clientName, string key, string value, string problem);

    [LoggerMessage(103, LogLevel.Warning, "Balancer client '{ClientName}': etcd key '{Key}' has value '{Value}', whose address {Reason}; the instance is left out.")]
    public static partial void RefusedValue(ILogger logger, string clientName, string key, string value, string reason);

    [LoggerMessage(101, LogLevel.Information, "Balancer client '{ClientName}': the etcd watch of '{Prefix}' fell behind a compaction (revision {CompactRevision}); reading the prefix again.")]
    public static partial void Compacted(ILogger logger, string clientName, string prefix, long compactRevision);

    [LoggerMessage(102, LogLevel.Debug, "Balancer client '{ClientName}': watching '{Prefix}' on etcd at {Endpoint} from revision {Revision}.")]
    public static partial void Watching(ILogger logger, string clientName, string prefix, Uri endpoint, long revision);
}
