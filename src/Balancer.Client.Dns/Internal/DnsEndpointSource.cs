using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Dns;

/// <summary>
/// Looks up a DNS name again and again and publishes what it finds: after a good answer, again when its TTL expires
/// (within <see cref="DnsEndpointOptions.MinRefresh"/> and <see cref="DnsEndpointOptions.MaxRefresh"/>); after a failed
/// or empty lookup, again after <see cref="DnsEndpointOptions.MinRefresh"/>, doubling while it lasts. Failures are
/// reported, so the client keeps its last good set.
/// </summary>
internal sealed class DnsEndpointSource(DnsEndpointQuery query, DnsEndpointOptions options, ILogger logger) : IEndpointSource
{
    public async Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        var source = query.Description;
        DnsLookup? lookup = null;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan delay;
            try
            {
                lookup ??= new DnsLookup(DnsLookupClient.Create(options), query, options);
                var answer = await lookup.ResolveAsync(cancellationToken).ConfigureAwait(false);
                foreach (var target in answer.Unresolved)
                {
                    DnsLog.TargetUnresolved(logger, publisher.ClientName, source, target);
                }

                if (answer.Endpoints.Count == 0)
                {
                    delay = RefreshSchedule.AfterFailure(++failures, options.MinRefresh, options.MaxRefresh);
                    DnsLog.NoRecords(logger, publisher.ClientName, source, delay);
                }
                else
                {
                    failures = 0;
                    delay = RefreshSchedule.AfterAnswer(answer.TtlSeconds, options.MinRefresh, options.MaxRefresh);
                    DnsLog.Resolved(logger, publisher.ClientName, source, answer.Endpoints.Count, answer.TtlSeconds, delay);
                }

                // Empty too: the client keeps the last good set unless EndpointSources.AcceptEmpty is on.
                publisher.Publish(answer.Endpoints);
            }
            catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is not OperationCanceledException)
            {
                // DnsClient reports a query cut short by the stop token as a timeout: the source is stopping, not failing.
                throw new OperationCanceledException("The DNS endpoint source was stopped.", exception, cancellationToken);
            }
#pragma warning disable CA1031 // Any failure of a lookup is reported (the client logs it and keeps its last good set) and retried.
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                delay = RefreshSchedule.AfterFailure(++failures, options.MinRefresh, options.MaxRefresh);
                DnsLog.LookupFailed(logger, publisher.ClientName, source, exception.Message, delay);
                publisher.ReportError(exception);
            }

            await Task.Delay(delay, publisher.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    public override string ToString() => query.Description;
}
