using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;
using Microsoft.ML.OnnxRuntime;

namespace Balancer.Client.Onnx;

/// <summary>
/// An <see cref="IEndpointScorer"/> backed by an ONNX model, such as one trained offline on recorded features and
/// outcomes, for the <see cref="EndpointSelectorNames.MlScored"/> selector. Thread-safe; dispose it (or let the
/// container that created it through <c>UseOnnxEndpointScorer</c> do so) to free the native session.
/// </summary>
/// <remarks>
/// <para>The tensor contract:</para>
/// <list type="bullet">
/// <item><description>Input: one <c>float32</c> tensor of shape <c>[N, 13]</c> (<c>N</c> may be a dynamic dimension):
/// one row per candidate endpoint, the columns laid out as <see cref="EndpointFeatures"/> says.</description></item>
/// <item><description>Output: one <c>float32</c> tensor of shape <c>[N, 2]</c> or <c>[N, 3]</c>: column 0 the
/// expected latency in seconds (load included), column 1 the failure probability (0 to 1), optional column 2 the
/// standard deviation of the natural logarithm of the latency, which drives exploration (without it the selector uses
/// its online model's uncertainty).</description></item>
/// </list>
/// <para>
/// The shapes are checked when the scorer is created, and the error names the model and what was expected. A latency
/// that is not a positive number makes the selector use its online model for that candidate; probabilities are
/// clamped to 0 to 1. One inference takes microseconds and allocates a little: keep
/// <see cref="MlScoredOptions.Candidates"/> small.
/// </para>
/// </remarks>
public sealed class OnnxEndpointScorer : IEndpointScorer, IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <summary>Loads the model from a file, with the default options.</summary>
    /// <param name="modelPath">The path of the <c>.onnx</c> file.</param>
    /// <exception cref="ArgumentException">The model cannot be loaded or does not follow the tensor contract.</exception>
    public OnnxEndpointScorer(string modelPath)
        : this(modelPath, options: null)
    {
    }

    /// <summary>Loads the model from a file.</summary>
    /// <param name="modelPath">The path of the <c>.onnx</c> file.</param>
    /// <param name="options">How to run it; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The model cannot be loaded or does not follow the tensor contract.</exception>
    public OnnxEndpointScorer(string modelPath, OnnxEndpointScorerOptions? options)
        : this(modelPath, s => new InferenceSession(modelPath, s), options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
    }

    /// <summary>Loads the model from its serialized bytes (an ONNX <c>ModelProto</c>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">How to run it; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The model cannot be loaded or does not follow the tensor contract.</exception>
    public OnnxEndpointScorer(byte[] model, OnnxEndpointScorerOptions? options)
        : this("(model bytes)", s => new InferenceSession(model ?? throw new ArgumentNullException(nameof(model)), s), options)
    {
    }

    private OnnxEndpointScorer(string source, Func<SessionOptions, InferenceSession> create, OnnxEndpointScorerOptions? options)
    {
        options ??= new OnnxEndpointScorerOptions();
        if (options.IntraOpThreads < 1)
        {
            throw new ArgumentException($"ONNX scorer '{source}': IntraOpThreads '{options.IntraOpThreads}' must be at least 1.", nameof(options));
        }

        using var sessionOptions = new SessionOptions { IntraOpNumThreads = options.IntraOpThreads, InterOpNumThreads = 1 };
        try
        {
            _session = create(sessionOptions);
        }
        catch (OnnxRuntimeException exception)
        {
            _runOptions.Dispose();
            throw new ArgumentException($"ONNX scorer '{source}': the model could not be loaded: {exception.Message}", exception);
        }

        try
        {
            InputName = OnnxContract.Check(source, "input", _session.InputMetadata, options.InputName, OnnxContract.InputWidths);
            OutputName = OnnxContract.Check(source, "output", _session.OutputMetadata, options.OutputName, OnnxContract.OutputWidths);
        }
        catch
        {
            Dispose();
            throw;
        }

        _inputNames = [InputName];
        _outputNames = [OutputName];
    }

    /// <summary>Gets the name of the model input that receives the feature rows.</summary>
    public string InputName { get; } = string.Empty;

    /// <summary>Gets the name of the model output that holds the predictions.</summary>
    public string OutputName { get; } = string.Empty;

    /// <inheritdoc/>
    public void Score(ReadOnlySpan<float> features, Span<EndpointPrediction> predictions)
    {
        var rows = predictions.Length;
        if (rows == 0)
        {
            return;
        }

        if (features.Length < rows * EndpointFeatures.Count)
        {
            throw new ArgumentException($"{rows} predictions need {rows * EndpointFeatures.Count} features; got {features.Length}.", nameof(features));
        }

        var input = features[..(rows * EndpointFeatures.Count)].ToArray();
        using var tensor = OrtValue.CreateTensorValueFromMemory(input, [rows, EndpointFeatures.Count]);
        using var outputs = _session.Run(_runOptions, _inputNames, [tensor], _outputNames);
        var output = outputs[0];
        var data = output.GetTensorDataAsSpan<float>();
        var width = data.Length / rows;
        if (width is < 2 or > 3 || data.Length != rows * width)
        {
            throw new InvalidOperationException($"ONNX scorer: output '{OutputName}' holds {data.Length} values for {rows} rows; expected [{rows}, 2] or [{rows}, 3].");
        }

        for (var i = 0; i < rows; i++)
        {
            var row = data.Slice(i * width, width);
            predictions[i] = new EndpointPrediction(row[0], Math.Clamp(row[1], 0, 1), width == 3 ? row[2] : double.NaN);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _session?.Dispose();
        _runOptions.Dispose();
    }
}
