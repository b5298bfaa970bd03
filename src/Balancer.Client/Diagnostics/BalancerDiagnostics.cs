using System.Diagnostics;

namespace Balancer.Client.Diagnostics;

/// <summary>The names of the library's telemetry: one meter, one activity source, and the tags they use.</summary>
public static class BalancerDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> and of the <see cref="ActivitySource"/>: <c>Balancer.Client</c>.</summary>
    public const string Name = "Balancer.Client";

    /// <summary>Tag: the name of the balanced client.</summary>
    public const string ClientTag = "balancer.client";

    /// <summary>Tag: the endpoint's host (OpenTelemetry <c>server.address</c>).</summary>
    public const string ServerAddressTag = "server.address";

    /// <summary>Tag: the endpoint's port (OpenTelemetry <c>server.port</c>).</summary>
    public const string ServerPortTag = "server.port";

    /// <summary>Tag: how the attempt ended: <c>success</c>, <c>failure</c> or <c>canceled</c>.</summary>
    public const string OutcomeTag = "balancer.outcome";

    /// <summary>Tag: the selector that chose the endpoint.</summary>
    public const string SelectorTag = "balancer.selector";

    /// <summary>Tag: the attempt number within the logical request.</summary>
    public const string AttemptTag = "balancer.attempt";

    /// <summary>Tag: why no endpoint could be selected (see <see cref="NoAvailableEndpointReason"/>).</summary>
    public const string ReasonTag = "balancer.reason";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(BalancerDiagnostics).Assembly.GetName().Version?.ToString());
}
