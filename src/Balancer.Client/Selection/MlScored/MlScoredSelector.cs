using System.Diagnostics;
using System.Globalization;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Feedback.ClassEstimates;

namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// The ML-scored selector: scores a few weighted random candidates with a model that predicts, for each endpoint and
/// this request's class, the latency and failure probability, and picks the lowest cost
/// = latency × exp(exploration × uncertainty × z) ÷ weight × (1 + 10 × failure probability) × 2^(recent consecutive failures),
/// z a standard normal draw per candidate (Thompson sampling). The online models (<see cref="EndpointModels"/>, on the
/// feedback side) learn from every completed attempt; a class with no samples on an endpoint is guessed from the
/// endpoint's peak-EWMA estimate and what the class costs on the other candidates (see <see cref="FeatureRow"/>), so a
/// new client starts as <see cref="EndpointSelectorNames.PeakEwma"/> does. A pick allocates nothing unless a sampled activity
/// asks for the explanation (<see cref="MlScoredExplanation"/>).
/// </summary>
internal sealed class MlScoredSelector : IEndpointSelector, IFeedbackObserver, IInspectableSelector, IHasClassModels
{
    private readonly EndpointModels _models;
    private readonly Func<IReadOnlyList<BalancerEndpoint>, Candidates> _build;
    private readonly string _clientName;
    private readonly RandomSource _random;
    private readonly ClientStats _settings;
    private readonly (IEndpointScorer? Scorer, Func<HttpRequestMessage, string?>? RouteKey, string? LocalZone, int Classes, int Candidates, double Exploration) _options;
    private SnapshotCache<Candidates> _table;

    public MlScoredSelector(string clientName, RandomSource random, ClientStats settings, MlScoredOptions options)
    {
        (_clientName, _random, _settings) = (clientName, random, settings);
        _options = (options.Scorer, options.RouteKey, options.LocalZone, options.RouteClasses, options.Candidates, options.Exploration);
        var (routeKey, classes) = (options.RouteKey, options.RouteClasses);
        _models = new EndpointModels(settings, classes, options.SampleWindow, r => RequestClassifier.Describe(r, routeKey, classes).Class, options.Scorer as IFeedbackObserver);
        _build = list => new Candidates(new WeightTable(list), [.. list.Select(e => _models.For(e.Stats))]);
    }

    /// <inheritdoc/>
    public EndpointModels ClassModels => _models;

    /// <inheritdoc/>
    public string ScoreDescription => "learnt latency in ms, averaged over the request classes seen (weighted by recent samples); the note gives the fastest and slowest class";

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count == 0)
        {
            return null;
        }

        var request = RequestClassifier.Describe(context.Request, _options.RouteKey, _options.Classes);
        AttemptContext.SetRequestClass(context.Request, request.Class);
        if (endpoints.Count == 1)
        {
            return endpoints[0];
        }

        var (table, models) = _table.Get(context, _build);
        var count = Math.Min(table.Items.Length, _options.Candidates);
        Span<int> picks = stackalloc int[count];
        Span<float> features = stackalloc float[count * EndpointFeatures.Count];
        Span<EndpointPrediction> predictions = stackalloc EndpointPrediction[count];
        Span<double> expected = stackalloc double[count];
        Span<double> sampled = stackalloc double[count];
        table.SampleDistinct(_random, picks);
        var (now, utcTicks, inverseDecay) = (context.GetTimestamp(_settings.TimeProvider), _settings.TimeProvider.GetUtcNow().UtcTicks, _settings.InverseDecayTimestampUnits);
        Span<ClassEstimate> estimates = stackalloc ClassEstimate[count];
        double classSum = 0, classSamples = 0;
        for (var i = 0; i < count; i++)
        {
            estimates[i] = models[picks[i]].Read(request.Class, now, inverseDecay);
            classSum += estimates[i].Samples * estimates[i].Mean;
            classSamples += estimates[i].Samples;
        }

        var classMean = classSamples > 0 ? classSum / classSamples : 0;
        for (var i = 0; i < count; i++)
        {
            FeatureRow.Fill(features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count), table.Items[picks[i]], estimates[i], classMean, request, _options.LocalZone, now, utcTicks);
        }

        OnlineEndpointScorer.Score(_options.Scorer, features, predictions);
        var decaySeconds = 1 / (inverseDecay * _settings.TimeProvider.TimestampFrequency);
        var best = 0;
        for (var i = 0; i < count; i++)
        {
            var (cost, uncertainty) = MlScoredCost.Of(predictions[i], features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count), table.Items[picks[i]], decaySeconds);
            expected[i] = cost;
            sampled[i] = _options.Exploration > 0 ? cost * Math.Exp(_options.Exploration * uncertainty * StandardNormal.Next(_random)) : cost;
            best = sampled[i] < sampled[best] ? i : best;
        }

        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            MlScoredExplanation.Record(activity, _clientName, request, table.Items, picks, features, expected, sampled, best);
        }

        return table.Items[picks[best]];
    }

    /// <inheritdoc/>
    public EndpointScore? GetScore(BalancerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _models.Summarize(endpoint.Stats) is not { } s ? null : new EndpointScore(
            s.Mean * 1000,
            s.Classes > 1 ? string.Create(CultureInfo.InvariantCulture, $"{s.Classes} request classes: {s.Fastest * 1000:0.#} to {s.Slowest * 1000:0.#} ms") : null);
    }

    public void OnAttemptCompleted(in AttemptFeedback feedback) => _models.OnAttemptCompleted(in feedback);

    /// <summary>The endpoints of one snapshot for weighted sampling, with their models, cached per list instance.</summary>
    private sealed record Candidates(WeightTable Table, EndpointModel[] Models) : ISnapshotDerived
    {
        public IReadOnlyList<BalancerEndpoint> Source => Table.Source;
    }
}
