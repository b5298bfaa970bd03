using System.Diagnostics;
using System.Diagnostics.Metrics;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Diagnostics;

/// <summary>
/// The instruments of meter <c>Balancer.Client</c>. Tags are built only while an instrument has a listener. A listener
/// that throws is logged and otherwise ignored: telemetry never fails, nor leaks, the attempt it measures.
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
        _requests = meter.CreateCounter<long>("balancer.client.requests", "{request}", "Attempts sent through a balanced client, by endpoint and outcome.");
        _duration = meter.CreateHistogram("balancer.client.request.duration", "s", "Time from sending an attempt to its response headers (or failure), by endpoint and outcome.", tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        _inFlight = meter.CreateUpDownCounter<long>("balancer.client.requests.in_flight", "{request}", "Attempts waiting for response headers, by endpoint.");
        _ejections = meter.CreateCounter<long>("balancer.client.ejections", "{ejection}", "Endpoints ejected by outlier detection.");
        _selectionFailures = meter.CreateCounter<long>("balancer.client.selection.failures", "{request}", "Attempts for which no endpoint could be selected, by reason.");
    }

    public void InFlight(string client, BalancerEndpoint endpoint, long delta)
    {
        if (_inFlight.Enabled)
        {
            var tags = new TagList
            {
                { BalancerDiagnostics.ClientTag, client },
                { BalancerDiagnostics.ServerAddressTag, endpoint.Host },
                { BalancerDiagnostics.ServerPortTag, endpoint.PortTag },
            };
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

    public void Completed(string client, BalancerEndpoint endpoint, AttemptOutcome outcome, double seconds)
    {
        if (_requests.Enabled || _duration.Enabled)
        {
            var tags = new TagList
            {
                { BalancerDiagnostics.ClientTag, client },
                { BalancerDiagnostics.ServerAddressTag, endpoint.Host },
                { BalancerDiagnostics.ServerPortTag, endpoint.PortTag },
                { BalancerDiagnostics.OutcomeTag, OutcomeName(outcome) },
            };
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

    public void Ejected(string client, BalancerEndpoint endpoint)
    {
        if (_ejections.Enabled)
        {
            var tags = new TagList
            {
                { BalancerDiagnostics.ClientTag, client },
                { BalancerDiagnostics.ServerAddressTag, endpoint.Host },
                { BalancerDiagnostics.ServerPortTag, endpoint.PortTag },
            };
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
