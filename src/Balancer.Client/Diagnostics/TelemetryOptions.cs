namespace Balancer.Client.Diagnostics;

/// <summary>What the metrics of a balanced client carry.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether the per-attempt metrics (<c>balancer.client.requests</c>,
    /// <c>balancer.client.request.duration</c>, <c>balancer.client.requests.in_flight</c>, <c>balancer.client.ejections</c>)
    /// are tagged with the endpoint (<c>server.address</c>, <c>server.port</c>). Off, they carry the client and the
    /// outcome only, so their number of series stays bounded however often endpoints come and go (pods, DNS answers):
    /// every endpoint address ever seen would otherwise stay a series for the life of the process. Turn it on for a
    /// fixed set of endpoints, or with an exporter that drops stale series (delta temporality) or a cardinality limit.
    /// Traces and <see cref="Inspection.IBalancerInspector"/> always show the endpoint.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EndpointTags { get; set; }
}
