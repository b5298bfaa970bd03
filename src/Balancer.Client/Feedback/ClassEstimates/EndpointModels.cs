using System.Runtime.CompilerServices;

namespace Balancer.Client.Feedback.ClassEstimates;

/// <summary>
/// The learned side of request-class estimates for one client: an <see cref="EndpointModel"/> per endpoint (keyed on its
/// statistics, so a model lives as long as its endpoint), trained from every completed attempt. An attempt's class is
/// the one its pick stored in the <see cref="AttemptContext"/>; without one (or out of range) the request is classified
/// again. Cancelled attempts teach nothing. Recording and reading are lock-free and allocate nothing once an endpoint's
/// model exists.
/// </summary>
internal sealed class EndpointModels : IFeedbackObserver
{
    private readonly ConditionalWeakTable<EndpointStats, EndpointModel> _models = [];
    private readonly ConditionalWeakTable<EndpointStats, EndpointModel>.CreateValueCallback _create;
    private readonly ClientStats _settings;
    private readonly Func<HttpRequestMessage, int> _classify;
    private readonly IFeedbackObserver? _next;
    private readonly int _window;

    /// <param name="settings">The client's clock and decay time τ.</param>
    /// <param name="classes">The number of request classes each model keeps.</param>
    /// <param name="window">About how many recent samples of a class a model remembers.</param>
    /// <param name="classify">The class of a request whose attempt context holds none.</param>
    /// <param name="next">An observer that receives every attempt after the models learnt from it (a trained scorer), or null.</param>
    public EndpointModels(ClientStats settings, int classes, int window, Func<HttpRequestMessage, int> classify, IFeedbackObserver? next = null)
    {
        _settings = settings;
        Classes = classes;
        _window = window;
        _classify = classify;
        _next = next;
        _create = _ => new EndpointModel(Classes);
    }

    /// <summary>Gets the number of request classes each model keeps.</summary>
    public int Classes { get; }

    /// <summary>Gets the model of the endpoint with <paramref name="stats"/>, created on first use.</summary>
    public EndpointModel For(EndpointStats stats) => _models.GetValue(stats, _create);

    /// <summary>The classes of the endpoint with <paramref name="stats"/> summed up as of now, or null when it has no sample yet.</summary>
    public ClassSummary? Summarize(EndpointStats stats)
    {
        if (!_models.TryGetValue(stats, out var model))
        {
            return null;
        }

        var summary = model.Summarize(_settings.TimeProvider.GetTimestamp(), _settings.InverseDecayTimestampUnits);
        return summary.Samples > 0 ? summary : null;
    }

    /// <summary>
    /// Writes into <paramref name="into"/> the classes of the endpoint with <paramref name="stats"/> that have at least
    /// <paramref name="minAttempts"/> attempts of its own as of now (time-decayed; a seed is no attempt, so it is not
    /// passed on): class, mean latency (seconds), samples.
    /// </summary>
    /// <returns>How many entries were written (at most <paramref name="into"/>'s length).</returns>
    public int Read(EndpointStats stats, double minAttempts, Span<(int Class, double Latency, double Samples)> into)
    {
        if (!_models.TryGetValue(stats, out var model))
        {
            return 0;
        }

        var (now, inverseDecay) = (_settings.TimeProvider.GetTimestamp(), _settings.InverseDecayTimestampUnits);
        var written = 0;
        for (var c = 0; c < model.Classes && written < into.Length; c++)
        {
            var estimate = model.Read(c, now, inverseDecay);
            if (estimate.Attempts >= minAttempts && estimate.Samples > 0 && estimate.Mean > 0)
            {
                into[written++] = (c, estimate.Mean, estimate.Samples);
            }
        }

        return written;
    }

    /// <summary>Seeds class <paramref name="classIndex"/> of the endpoint with <paramref name="stats"/> (see <see cref="EndpointModel.Seed"/>).</summary>
    public bool Seed(EndpointStats stats, int classIndex, double latencySeconds, double weight) =>
        classIndex >= 0 && classIndex < Classes && For(stats).Seed(classIndex, latencySeconds, weight, _settings.TimeProvider.GetTimestamp());

    public void OnAttemptCompleted(in AttemptFeedback feedback)
    {
        if (feedback.Outcome != AttemptOutcome.Canceled)
        {
            var model = For(feedback.Endpoint.Stats);
            if (!AttemptContext.TryGetRequestClass(feedback.Request, out var classIndex) || classIndex >= model.Classes)
            {
                classIndex = _classify(feedback.Request);
            }

            model.Record(classIndex, feedback.Outcome == AttemptOutcome.Failure, feedback.Duration.TotalSeconds, _settings.TimeProvider.GetTimestamp(), _settings.InverseDecayTimestampUnits, _window);
        }

        _next?.OnAttemptCompleted(in feedback);
    }
}
