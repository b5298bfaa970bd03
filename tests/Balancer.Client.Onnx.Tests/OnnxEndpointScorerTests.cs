using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;

namespace Balancer.Client.Onnx.Tests;

public class OnnxEndpointScorerTests
{
    [Fact]
    public void Score_LinearModel_ReturnsFeaturesTimesWeightsPlusBias()
    {
        // latency = class latency + 1 ms per request in flight + 2 ms; failure = class failure probability + 0.01.
        var weights = new float[EndpointFeatures.Count, 2];
        weights[EndpointFeatures.ClassLatency, 0] = 1;
        weights[EndpointFeatures.InFlight, 0] = 0.001f;
        weights[EndpointFeatures.ClassFailureProbability, 1] = 1;
        using var scorer = new OnnxEndpointScorer(OnnxModelWriter.Linear(weights, [0.002f, 0.01f]), options: null);
        var features = new float[2 * EndpointFeatures.Count];
        Row(features, 0)[EndpointFeatures.ClassLatency] = 0.010f;
        Row(features, 0)[EndpointFeatures.InFlight] = 3;
        Row(features, 0)[EndpointFeatures.ClassFailureProbability] = 0.1f;
        Row(features, 1)[EndpointFeatures.ClassLatency] = 0.050f;
        var predictions = new EndpointPrediction[2];

        scorer.Score(features, predictions);

        scorer.InputName.Should().Be("features");
        scorer.OutputName.Should().Be("predictions");
        predictions[0].LatencySeconds.Should().BeApproximately(0.015, 1e-6);
        predictions[0].FailureProbability.Should().BeApproximately(0.11, 1e-6);
        predictions[0].Uncertainty.Should().Be(double.NaN, "a two-column output leaves exploration to the online model");
        predictions[1].LatencySeconds.Should().BeApproximately(0.052, 1e-6);
        predictions[1].FailureProbability.Should().BeApproximately(0.01, 1e-6);
    }

    [Fact]
    public void Score_ThreeColumns_ReadsTheUncertainty_AndClampsTheProbability()
    {
        var weights = new float[EndpointFeatures.Count, 3];
        weights[EndpointFeatures.ClassLatency, 0] = 2;
        weights[EndpointFeatures.FailureRate, 1] = 5;
        using var scorer = new OnnxEndpointScorer(OnnxModelWriter.Linear(weights, [0, 0, 0.25f]), options: null);
        var features = new float[EndpointFeatures.Count];
        features[EndpointFeatures.ClassLatency] = 0.02f;
        features[EndpointFeatures.FailureRate] = 0.5f;
        var predictions = new EndpointPrediction[1];

        scorer.Score(features, predictions);

        predictions[0].LatencySeconds.Should().BeApproximately(0.04, 1e-6);
        predictions[0].FailureProbability.Should().Be(1, "2.5 is clamped to a probability");
        predictions[0].Uncertainty.Should().BeApproximately(0.25, 1e-6);
    }

    [Fact]
    public void Constructor_InputOfTheWrongWidth_SaysWhatTheContractIs()
    {
        var model = OnnxModelWriter.Linear(new float[12, 2], [0, 0]);

        var act = () => new OnnxEndpointScorer(model, options: null);

        act.Should().Throw<ArgumentException>().WithMessage("*input 'features' has shape [?, 12]; expected a float32 tensor of shape [N, 13]*");
    }

    [Fact]
    public void Constructor_OutputOfTheWrongWidth_SaysWhatTheContractIs()
    {
        var model = OnnxModelWriter.Linear(new float[EndpointFeatures.Count, 4], [0, 0, 0, 0]);

        var act = () => new OnnxEndpointScorer(model, options: null);

        act.Should().Throw<ArgumentException>().WithMessage("*output 'predictions' has shape [?, 4]; expected a float32 tensor of shape [N, 2 or 3]*");
    }

    [Fact]
    public void Constructor_UnknownOutputName_ListsTheOutputs()
    {
        var model = OnnxModelWriter.Linear(new float[EndpointFeatures.Count, 2], [0, 0]);

        var act = () => new OnnxEndpointScorer(model, new OnnxEndpointScorerOptions { OutputName = "scores" });

        act.Should().Throw<ArgumentException>().WithMessage("*no output named 'scores'; it has: predictions*");
    }

    [Fact]
    public void Constructor_NotAModel_ThrowsArgumentException()
    {
        var act = () => new OnnxEndpointScorer([1, 2, 3, 4], options: null);

        act.Should().Throw<ArgumentException>().WithMessage("*could not be loaded*");
    }

    [Fact]
    public void Constructor_ModelFile_LoadsIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scorer-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, OnnxModelWriter.Linear(new float[EndpointFeatures.Count, 2], [0.005f, 0]));
        try
        {
            using var scorer = new OnnxEndpointScorer(path);
            var predictions = new EndpointPrediction[1];

            scorer.Score(new float[EndpointFeatures.Count], predictions);

            predictions[0].LatencySeconds.Should().BeApproximately(0.005, 1e-6);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Span<float> Row(float[] features, int row) => features.AsSpan(row * EndpointFeatures.Count, EndpointFeatures.Count);
}
