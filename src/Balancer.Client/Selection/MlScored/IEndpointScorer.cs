namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// The model behind the <see cref="EndpointSelectorNames.MlScored"/> selector: predicts, for each candidate endpoint
/// and the request being sent, the latency and the failure probability. Set one through
/// <see cref="MlScoredOptions.Scorer"/> to use a model trained offline (for example with <c>Balancer.Client.Onnx</c>);
/// the default is the selector's online model.
/// </summary>
/// <remarks>
/// <para>
/// The <c>features</c> of <see cref="Score"/> holds one row of <see cref="EndpointFeatures.Count"/> floats per
/// candidate, row-major, laid out as <see cref="EndpointFeatures"/> says; <c>predictions</c> has one slot per row.
/// </para>
/// <para>
/// <see cref="Score"/> runs on the request path, on many threads at once: it must be thread-safe and fast (a pick
/// scores <see cref="MlScoredOptions.Candidates"/> endpoints). An exception, or a latency that is not a positive
/// number, makes the selector use its online model for that pick. A scorer that also implements
/// <see cref="Feedback.IFeedbackObserver"/> receives every completed attempt of the client.
/// </para>
/// </remarks>
public interface IEndpointScorer
{
    /// <summary>Predicts latency and failure probability for each candidate.</summary>
    /// <param name="features">The candidates' feature rows (<see cref="EndpointFeatures.Count"/> floats each).</param>
    /// <param name="predictions">Where to write one prediction per row.</param>
    void Score(ReadOnlySpan<float> features, Span<EndpointPrediction> predictions);
}
