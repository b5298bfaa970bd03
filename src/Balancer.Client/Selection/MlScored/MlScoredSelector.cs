using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// The ML-scored selector: scores a few weighted random candidates with a model that predicts, for each endpoint and
/// this request's class, the latency and failure probability, and picks the lowest cost
/// = latency × exp(exploration × uncertainty × z) ÷ weight × (1 + 10 × failure probability) × 2^(recent consecutive failures),
/// z a standard normal draw per candidate (Thompson sampling). The online model (<see cref="EndpointModel"/>) learns
/// from every completed attempt; with no samples it is the endpoint's peak-EWMA estimate, so it starts as
/// <see cref="EndpointSelectorNames.PeakEwma"/> does. A pick allocates nothing unless a sampled activity asks for
/// the explanation (<see cref="MlScoredExplanation"/>).
/// </summary>
internal sealed class MlScoredSelector : IEndpointSelector, IFeedbackObserver, IInspectableSelector
{
    private readonly ConditionalWeakTable<EndpointStats, EndpointModel> _models = [];
    private readonly ConditionalWeakTable<EndpointStats, EndpointModel>.CreateValueCallback _createModel;
    private readonly Func<IReadOnlyList<BalancerEndpoint>, ModelTable> _buildTable;
    private readonly string _clientName;
    private readonly RandomSource _random;
    private readonly ClientStats _settings;
    private readonly IEndpointScorer? _scorer;
    private readonly Func<HttpRequestMessage, string?>? _routeKey;
    private readonly string? _localZone;
    private readonly int _classes;
    private readonly int _candidates;
    private readonly int _window;
    private readonly double _exploration;
    private SnapshotCache<ModelTable> _table;

    public MlScoredSelector(string clientName, RandomSource random, ClientStats settings, MlScoredOptions options)
    {
        _clientName = clientName;
        _random = random;
        _settings = settings;
        _scorer = options.Scorer;
        _routeKey = options.RouteKey;
        _localZone = options.LocalZone;
        _classes = options.RouteClasses;
        _candidates = options.Candidates;
        _window = options.SampleWindow;
        _exploration = options.Exploration;
        _createModel = _ => new EndpointModel(_classes);
        _buildTable = list => new ModelTable(list, this);
    }

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count == 0)
        {
            return null;
        }

        var request = RequestClassifier.Describe(context.Request, _routeKey, _classes);
        AttemptContext.SetRequestClass(context.Request, request.Class);
        if (endpoints.Count == 1)
        {
            return endpoints[0];
        }

        var table = _table.Get(context, _buildTable);
        var count = Math.Min(table.Items.Length, _candidates);
        Span<int> picks = stackalloc int[count];
        Span<float> features = stackalloc float[count * EndpointFeatures.Count];
        Span<EndpointPrediction> predictions = stackalloc EndpointPrediction[count];
        Span<double> expected = stackalloc double[count];
        Span<double> sampled = stackalloc double[count];
        table.Sample(_random, picks);

        var now = _settings.TimeProvider.GetTimestamp();
        var utcTicks = _settings.TimeProvider.GetUtcNow().UtcTicks;
        var inverseDecay = _settings.InverseDecayTimestampUnits;
        for (var i = 0; i < count; i++)
        {
            Describe(features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count), table.Items[picks[i]], table.Models[picks[i]], request, now, utcTicks, inverseDecay);
        }

        Score(features, predictions);
        var decaySeconds = 1 / (inverseDecay * _settings.TimeProvider.TimestampFrequency);
        var best = 0;
        for (var i = 0; i < count; i++)
        {
            var row = features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count);
            var (cost, uncertainty) = Cost(predictions[i], row, table.Items[picks[i]], decaySeconds);
            expected[i] = cost;
            sampled[i] = _exploration > 0 ? cost * Math.Exp(_exploration * uncertainty * StandardNormal.Next(_random)) : cost;
            if (sampled[i] < sampled[best])
            {
                best = i;
            }
        }

        var chosen = table.Items[picks[best]];
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            MlScoredExplanation.Record(activity, _clientName, request, table.Items, picks, features, expected, sampled, best);
        }

        return chosen;
    }

    /// <inheritdoc/>
    public string ScoreDescription => "learnt latency in ms, averaged over the request classes seen (weighted by recent samples); the note gives the fastest and slowest class";

    /// <inheritdoc/>
    public EndpointScore? GetScore(BalancerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!_models.TryGetValue(endpoint.Stats, out var model))
        {
            return null;
        }

        var now = _settings.TimeProvider.GetTimestamp();
        var inverseDecay = _settings.InverseDecayTimestampUnits;
        double sum = 0, samples = 0, fastest = double.MaxValue, slowest = 0;
        var classes = 0;
        for (var c = 0; c < model.Classes; c++)
        {
            var estimate = model.Read(c, now, inverseDecay);
            if (estimate.Samples <= 0)
            {
                continue;
            }

            sum += estimate.Mean * estimate.Samples;
            samples += estimate.Samples;
            fastest = Math.Min(fastest, estimate.Mean);
            slowest = Math.Max(slowest, estimate.Mean);
            classes++;
        }

        if (samples <= 0)
        {
            return null;
        }

        var note = classes > 1
            ? string.Create(CultureInfo.InvariantCulture, $"{classes} request classes: {fastest * 1000:0.#} to {slowest * 1000:0.#} ms")
            : null;
        return new EndpointScore(sum / samples * 1000, note);
    }

    public void OnAttemptCompleted(in AttemptFeedback feedback)
    {
        if (feedback.Outcome != AttemptOutcome.Canceled)
        {
            var model = _models.GetValue(feedback.Endpoint.Stats, _createModel);
            if (!AttemptContext.TryGetRequestClass(feedback.Request, out var classIndex) || classIndex >= model.Classes)
            {
                classIndex = RequestClassifier.Describe(feedback.Request, _routeKey, _classes).Class;
            }

            model.Record(classIndex, feedback.Outcome == AttemptOutcome.Failure, feedback.Duration.TotalSeconds, _settings.TimeProvider.GetTimestamp(), _settings.InverseDecayTimestampUnits, _window);
        }

        (_scorer as IFeedbackObserver)?.OnAttemptCompleted(in feedback);
    }

    /// <summary>The expected cost of one candidate and the uncertainty of its latency; a prediction that is not usable falls back to the online model's.</summary>
    internal static (double Cost, double Uncertainty) Cost(EndpointPrediction prediction, ReadOnlySpan<float> row, BalancerEndpoint endpoint, double decaySeconds)
    {
        var online = OnlineEndpointScorer.Predict(row);
        var latency = prediction.LatencySeconds is > 0 and < double.PositiveInfinity ? prediction.LatencySeconds : online.LatencySeconds;
        var failure = double.IsNaN(prediction.FailureProbability) ? online.FailureProbability : Math.Clamp(prediction.FailureProbability, 0, 1);
        var uncertainty = prediction.Uncertainty is >= 0 and < double.PositiveInfinity ? prediction.Uncertainty : online.Uncertainty;
        var consecutive = row[EndpointFeatures.SecondsSinceFailure] < decaySeconds
            ? Math.Min(endpoint.Stats.ConsecutiveFailures, SelectionConstants.MaxConsecutiveFailurePenaltyExponent)
            : 0;
        var cost = latency / endpoint.Weight * (1 + (SelectionConstants.FailureRatePenalty * failure)) * (1 << consecutive);
        return (cost, uncertainty);
    }

    private void Describe(Span<float> row, BalancerEndpoint endpoint, EndpointModel model, RequestFeatures request, long now, long utcTicks, double inverseDecay)
    {
        var stats = endpoint.Stats;
        var prior = stats.GetLatencyEstimate(now);
        var failureRate = stats.FailureRate;
        var sinceFailure = stats.LastFailure is { } last
            ? Math.Clamp((utcTicks - last.UtcTicks) / (double)TimeSpan.TicksPerSecond, 0, MlScoredConstants.MaxSecondsSinceFailure)
            : MlScoredConstants.MaxSecondsSinceFailure;
        var estimate = model.Read(request.Class, now, inverseDecay);
        var (latency, uncertainty) = estimate.Latency(prior);
        row[EndpointFeatures.LatencyEstimate] = (float)prior;
        row[EndpointFeatures.InFlight] = stats.InFlight;
        row[EndpointFeatures.FailureRate] = (float)failureRate;
        row[EndpointFeatures.SecondsSinceFailure] = (float)sinceFailure;
        row[EndpointFeatures.ZoneMatch] = _localZone is not null && string.Equals(endpoint.Zone, _localZone, StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        row[EndpointFeatures.Weight] = endpoint.Weight;
        row[EndpointFeatures.Method] = request.Method;
        row[EndpointFeatures.RouteKey] = request.RouteKey;
        row[EndpointFeatures.ContentLength] = request.ContentLength;
        row[EndpointFeatures.ClassLatency] = (float)latency;
        row[EndpointFeatures.ClassLatencyUncertainty] = (float)uncertainty;
        row[EndpointFeatures.ClassFailureProbability] = (float)estimate.FailureProbability(failureRate);
        row[EndpointFeatures.ClassSamples] = (float)estimate.Samples;
    }

    private void Score(ReadOnlySpan<float> features, Span<EndpointPrediction> predictions)
    {
        if (_scorer is null)
        {
            OnlineEndpointScorer.Instance.Score(features, predictions);
            return;
        }

        try
        {
            _scorer.Score(features, predictions);
        }
#pragma warning disable CA1031 // A broken model must not fail requests: the online model answers for this pick.
        catch (Exception)
#pragma warning restore CA1031
        {
            OnlineEndpointScorer.Instance.Score(features, predictions);
        }
    }

    /// <summary>The endpoints of one snapshot with their models and weights, cached per list instance.</summary>
    private sealed class ModelTable : ISnapshotDerived
    {
        private readonly WeightTable _weights;

        public ModelTable(IReadOnlyList<BalancerEndpoint> source, MlScoredSelector owner)
        {
            _weights = new WeightTable(source);
            Models = [.. _weights.Items.Select(e => owner._models.GetValue(e.Stats, owner._createModel))];
        }

        public IReadOnlyList<BalancerEndpoint> Source => _weights.Source;

        public BalancerEndpoint[] Items => _weights.Items;

        public EndpointModel[] Models { get; }

        /// <summary>Fills <paramref name="picks"/> with distinct weighted random indexes (all of them when it is as long as the list).</summary>
        public void Sample(RandomSource random, Span<int> picks)
        {
            if (picks.Length >= Items.Length)
            {
                for (var i = 0; i < picks.Length; i++)
                {
                    picks[i] = i;
                }

                return;
            }

            for (var j = 0; j < picks.Length; j++)
            {
                var index = _weights.Sample(random);
                for (var attempt = 0; attempt < 4 && picks[..j].Contains(index); attempt++)
                {
                    index = _weights.Sample(random);
                }

                while (picks[..j].Contains(index))
                {
                    index = index + 1 == Items.Length ? 0 : index + 1; // a dominant weight: take the next one not yet picked
                }

                picks[j] = index;
            }
        }
    }
}
