namespace Balancer.Client.Onnx;

/// <summary>How an <see cref="OnnxEndpointScorer"/> runs its model.</summary>
public sealed class OnnxEndpointScorerOptions
{
    /// <summary>Gets or sets the name of the model's input that receives the feature rows; <see langword="null"/> takes the model's only input.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? InputName { get; set; }

    /// <summary>Gets or sets the name of the model's output that holds the predictions; <see langword="null"/> takes the model's first output.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? OutputName { get; set; }

    /// <summary>
    /// Gets or sets the number of threads ONNX Runtime may use within one inference. A pick scores a handful of rows,
    /// which one thread does fastest; parallel requests already run on many threads.
    /// </summary>
    /// <value>The default value is 1.</value>
    public int IntraOpThreads { get; set; } = 1;
}
