using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;
using Microsoft.ML.OnnxRuntime;

namespace Balancer.Client.Onnx;

/// <summary>Checks a model's input and output against the scorer's tensor contract, with errors that say what was expected.</summary>
internal static class OnnxContract
{
    public static readonly int[] InputWidths = [EndpointFeatures.Count];

    public static readonly int[] OutputWidths = [2, 3];

    /// <summary>Returns the name of the tensor to use, or throws naming the model, the tensor and what is wrong.</summary>
    public static string Check(string source, string kind, IReadOnlyDictionary<string, NodeMetadata> tensors, string? wanted, int[] widths)
    {
        string name;
        if (wanted is not null)
        {
            name = tensors.ContainsKey(wanted)
                ? wanted
                : throw new ArgumentException($"ONNX scorer '{source}': the model has no {kind} named '{wanted}'; it has: {string.Join(", ", tensors.Keys)}.");
        }
        else if (tensors.Count == 0 || (kind == "input" && tensors.Count > 1))
        {
            throw new ArgumentException($"ONNX scorer '{source}': the model has {tensors.Count} {kind}s ({string.Join(", ", tensors.Keys)}); name the one to use in OnnxEndpointScorerOptions.{(kind == "input" ? "InputName" : "OutputName")}.");
        }
        else
        {
            name = tensors.Keys.First();
        }

        var metadata = tensors[name];
        var expected = $"a float32 tensor of shape [N, {string.Join(" or ", widths)}]";
        if (!metadata.IsTensor || metadata.ElementType != typeof(float))
        {
            throw new ArgumentException($"ONNX scorer '{source}': {kind} '{name}' is {(metadata.IsTensor ? metadata.ElementType.Name : metadata.OnnxValueType.ToString())}; expected {expected}.");
        }

        var dimensions = metadata.Dimensions;
        if (dimensions.Length != 2 || (dimensions[1] >= 0 && !widths.Contains(dimensions[1])))
        {
            throw new ArgumentException($"ONNX scorer '{source}': {kind} '{name}' has shape [{string.Join(", ", dimensions.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]; expected {expected}.");
        }

        return name;
    }
}
