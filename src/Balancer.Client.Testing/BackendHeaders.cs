namespace Balancer.Client.Testing;

/// <summary>The response headers every <see cref="ScriptedBackend"/> adds, so that a test can tell who answered what.</summary>
public static class BackendHeaders
{
    /// <summary>The name of the backend that answered (<see cref="ScriptedBackend.Name"/>), on every response.</summary>
    public const string Backend = "X-Backend";

    /// <summary>The <c>Host</c> header the backend received, on every response.</summary>
    public const string ReceivedHost = "X-Received-Host";

    /// <summary>The lowercase hexadecimal SHA-256 of the request body, on responses to requests that carried one.</summary>
    public const string BodySha256 = "X-Body-Sha256";

    /// <summary>
    /// The ORCA load report header (<c>endpoint-load-metrics</c>), on every response while
    /// <see cref="BackendBehavior.ReportLoad"/> is on.
    /// </summary>
    public const string LoadMetrics = "endpoint-load-metrics";
}
