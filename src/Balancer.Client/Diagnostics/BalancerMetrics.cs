using System.Diagnostics;
using System.Diagnostics.Metrics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Diagnostics;

/// <summary>
/// The instruments of meter <c>Balancer.Client</c>. Tags are built only while an instrument has a listener. The
/// endpoint tags are added only when the caller passes the endpoint (the client's <see cref="TelemetryOptions.EndpointTags"/>).
/// A listener that throws is logged and otherwise ignored: telemetry never fails, nor leaks, the attempt it measures.
/// </summary>
internal sealed class BalancerMetrics
{
    private static readonly double[] s_durationBuckets = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Counter<long> _selectionFailures;
    private readonly Counter<long> _ejections;

    private readonly ILogger _logger;

    public BalancerMetrics(IMeterFactory? meterFactory, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        var meter = meterFactory?.Create(BalancerDiagnostics.Name) ?? new Meter(BalancerDiagnostics.Name);
        _requests = meter.CreateCounter<long>("balancer.client.requests", "{request}", "Attempts sent through a balanced client, by outcome (and endpoint with Telemetry.EndpointTags).");
        _duration = meter.CreateHistogram("balancer.client.request.duration", "s", "Time from sending an attempt to its response headers (or failure), by outcome (and endpoint with Telemetry.EndpointTags).", tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _inFlight = meter.CreateUpDownCounter<long>("balancer.client.requests.in_flight", "{request}", "Attempts waiting for response headers (by endpoint with Telemetry.EndpointTags).");
        _ejections = meter.CreateCounter<long>("balancer.client.ejections", "{ejection}", "Endpoints ejected by outlier detection.");
        _selectionFailures = meter.CreateCounter<long>("balancer.client.selection.failures", "{request}", "Attempts for which no endpoint could be selected, by reason.");
    }

    public void InFlight(string client, BalancerEndpoint? endpoint, long delta)
    {
        if (_inFlight.Enabled)
        {
            var tags = new TagList { { BalancerDiagnostics.ClientTag, client } };
            AddEndpoint(ref tags, endpoint);
            try
            {
                _inFlight.Add(delta, tags);
            }
            catch (Exception exception)
            {
                ListenerFailed(exception, client, _inFlight);
            }
        }
    }

    public void Completed(string client, BalancerEndpoint? endpoint, AttemptOutcome outcome, double seconds)
    {
        if (_requests.Enabled || _duration.Enabled)
        {
            var tags = new TagList { { BalancerDiagnostics.ClientTag, client } };
            tags.Add(BalancerDiagnostics.OutcomeTag, OutcomeName(outcome));
            AddEndpoint(ref tags, endpoint);
            try
            {
                _requests.Add(1, tags);
                _duration.Record(seconds, tags);
            }
            catch (Exception exception)
            {
                ListenerFailed(exception, client, _requests);
            }
        }
    }

    public void Ejected(string client, BalancerEndpoint? endpoint)
    {
        if (_ejections.Enabled)
        {
            var tags = new TagList { { BalancerDiagnostics.ClientTag, client } };
            AddEndpoint(ref tags, endpoint);
            try
            {
                _ejections.Add(1, tags);
            }
            catch (Exception exception)
            {
                ListenerFailed(exception, client, _ejections);
            }
        }
    }

    public void SelectionFailed(string client, NoAvailableEndpointReason reason)
    {
        if (_selectionFailures.Enabled)
        {
            try
            {
                _selectionFailures.Add(1, new KeyValuePair<string, object?>(BalancerDiagnostics.ClientTag, client), new KeyValuePair<string, object?>(BalancerDiagnostics.ReasonTag, ReasonName(reason)));
            }
            catch (Exception exception)
            {
                ListenerFailed(exception, client, _selectionFailures);
            }
        }
    }

    private void ListenerFailed(Exception exception, string client, Instrument instrument) =>
        Log.ListenerFailed(_logger, exception, client, $"MeterListener of {instrument.Name}");

    private static void AddEndpoint(ref TagList tags, BalancerEndpoint? endpoint)
    {
        if (endpoint is not null)
        {
            tags.Add(BalancerDiagnostics.ServerAddressTag, endpoint.Host);
            tags.Add(BalancerDiagnostics.ServerPortTag, endpoint.PortTag);
        }
    }

    private static string OutcomeName(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Success => "success",
        AttemptOutcome.Failure => "failure",
        _ => "canceled",
    };

    private static string ReasonName(NoAvailableEndpointReason reason) => reason switch
    {
        NoAvailableEndpointReason.NoEndpoints => "no_endpoints",
        NoAvailableEndpointReason.AllUnavailable => "all_unavailable",
        _ => "all_tried",
    };
}
