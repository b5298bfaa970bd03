using Microsoft.Extensions.Logging.Testing;

namespace Balancer.Client.ServiceDiscovery.Tests.Infrastructure;

internal static class LogWaiting
{
    /// <summary>Completes with the first record (already logged or to come) that matches, or fails after <paramref name="limit"/>.</summary>
    public static async Task<FakeLogRecord> WaitForAsync(this FakeLogCollector logs, Func<FakeLogRecord, bool> match, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await foreach (var record in logs.GetLogsAsync(timeout.Token))
        {
            if (match(record))
            {
                return record;
            }
        }

        throw new TimeoutException("No matching log record.");
    }
}
