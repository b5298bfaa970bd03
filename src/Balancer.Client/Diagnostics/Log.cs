using Microsoft.Extensions.Logging;

namespace Balancer.Client.Diagnostics;

/// <summary>Source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Balancer client '{Client}': no endpoint selected ({Reason}). {Message}")]
    public static partial void SelectionFailed(ILogger logger, string client, NoAvailableEndpointReason reason, string message);

    [LoggerMessage(2, LogLevel.Information, "Balancer client '{Client}': endpoint set version {Version} has {Count} endpoints ({Added} added, {Removed} removed), selector {Selector}.")]
    public static partial void EndpointsChanged(ILogger logger, string client, long version, int count, int added, int removed, string selector);

    [LoggerMessage(3, LogLevel.Error, "Balancer client '{Client}': the reloaded configuration is invalid and was ignored; the last good endpoint set stays in use. {Errors}")]
    public static partial void InvalidReload(ILogger logger, string client, string errors);

    [LoggerMessage(4, LogLevel.Error, "Balancer client '{Client}': feedback observer {Observer} threw; the request is not affected.")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string client, string observer);

    [LoggerMessage(5, LogLevel.Error, "Balancer client '{Client}': applying the reloaded configuration failed; the last good endpoint set stays in use.")]
    public static partial void ReloadFailed(ILogger logger, Exception exception, string client);

    [LoggerMessage(6, LogLevel.Warning, "Balancer client '{Client}': endpoint {Endpoint} ejected for {Duration} (ejection {Count}): {Reason}.")]
    public static partial void EndpointEjected(ILogger logger, string client, string endpoint, string reason, TimeSpan duration, int count);

    [LoggerMessage(7, LogLevel.Information, "Balancer client '{Client}': endpoint {Endpoint} returns from ejection (slow start).")]
    public static partial void EndpointReturned(ILogger logger, string client, string endpoint);

    [LoggerMessage(8, LogLevel.Information, "Balancer client '{Client}': endpoint {Endpoint} answered {StatusCode} with Retry-After; no requests for {Delay}.")]
    public static partial void EndpointCoolingDown(ILogger logger, string client, string endpoint, int statusCode, TimeSpan delay);

    [LoggerMessage(9, LogLevel.Warning, "Balancer client '{Client}': only {Eligible} of {Total} endpoints are eligible, below the panic threshold; {Action}.")]
    public static partial void Panic(ILogger logger, string client, int eligible, int total, string action);

    [LoggerMessage(10, LogLevel.Information, "Balancer client '{Client}': endpoint {Endpoint} is {State} by active health checks.")]
    public static partial void ActiveHealthChanged(ILogger logger, string client, string endpoint, string state);

    [LoggerMessage(11, LogLevel.Debug, "Balancer client '{Client}': {Method} not retried: {Reason}.")]
    public static partial void RetryRefused(ILogger logger, string client, string method, string reason);

    [LoggerMessage(12, LogLevel.Error, "Balancer client '{Client}': a telemetry listener threw ({Listener}); the request is not affected.")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, string client, string listener);

    [LoggerMessage(13, LogLevel.Error, "Balancer client '{Client}': recording the outcome of an attempt on {Endpoint} failed; the request is not affected.")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, string client, string endpoint);

    [LoggerMessage(14, LogLevel.Warning, "Balancer client '{Client}': endpoint {Endpoint} refused or failed a connection; no requests until a reconnect check succeeds.")]
    public static partial void EndpointUnreachable(ILogger logger, string client, string endpoint);

    [LoggerMessage(15, LogLevel.Information, "Balancer client '{Client}': endpoint {Endpoint} is reachable again after {Duration} (slow start).")]
    public static partial void EndpointReconnected(ILogger logger, string client, string endpoint, TimeSpan duration);

    [LoggerMessage(20, LogLevel.Warning, "Balancer client '{Client}': endpoint source {Source} failed to refresh; its last good endpoints stay in use.")]
    public static partial void SourceRefreshFailed(ILogger logger, Exception exception, string client, string source);

    [LoggerMessage(21, LogLevel.Warning, "Balancer client '{Client}': endpoint source {Source} published no valid endpoint; its last good endpoints stay in use (AcceptEmpty is off).")]
    public static partial void SourceEmpty(ILogger logger, string client, string source);

    [LoggerMessage(22, LogLevel.Warning, "Balancer client '{Client}': endpoint source {Source} published invalid entries, left out: {Errors}")]
    public static partial void SourceInvalidEntries(ILogger logger, string client, string source, string errors);

    [LoggerMessage(23, LogLevel.Error, "Balancer client '{Client}': endpoint source {Source} stopped with an error; starting it again in {Delay}.")]
    public static partial void SourceFailed(ILogger logger, Exception exception, string client, string source, TimeSpan delay);

    [LoggerMessage(24, LogLevel.Debug, "Balancer client '{Client}': endpoint source {Source} published {Count} endpoints.")]
    public static partial void SourcePublished(ILogger logger, string client, string source, int count);

    [LoggerMessage(40, LogLevel.Error, "Balancer client '{Client}': the transport of the active health checks could not be created; checks wait for the next round, and endpoints not yet checked stay eligible.")]
    public static partial void HealthCheckTransportFailed(ILogger logger, Exception exception, string client);

    [LoggerMessage(41, LogLevel.Error, "Balancer client '{Client}': a pass of the {Loop} failed; the loop goes on at its next interval.")]
    public static partial void BackgroundPassFailed(ILogger logger, Exception exception, string client, string loop);
}
