using Balancer.Client;
using Balancer.Client.Onnx;
using Balancer.Client.Selection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds an ONNX model as the scorer of a balanced client's <see cref="EndpointSelectorNames.MlScored"/> selector.</summary>
public static class OnnxHttpClientBuilderExtensions
{
    /// <summary>
    /// Makes the balanced client use the <see cref="EndpointSelectorNames.MlScored"/> selector with the ONNX model at
    /// <paramref name="modelPath"/> as its scorer (see <see cref="OnnxEndpointScorer"/> for the tensor contract). The
    /// model is loaded once, when the client is first used, and disposed with the container.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddBalancedHttpClient</c>.</param>
    /// <param name="modelPath">The path of the <c>.onnx</c> file.</param>
    /// <param name="configure">Sets input and output names or threads; optional.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHttpClientBuilder UseOnnxEndpointScorer(this IHttpClientBuilder builder, string modelPath, Action<OnnxEndpointScorerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var name = builder.Name;
        builder.Services.AddKeyedSingleton(name, (_, _) =>
        {
            var options = new OnnxEndpointScorerOptions();
            configure?.Invoke(options);
            return new OnnxEndpointScorer(modelPath, options);
        });
        builder.Services.AddOptions<BalancerOptions>(name).Configure<IServiceProvider>((options, services) =>
        {
            options.Selector = EndpointSelectorNames.MlScored;
            options.MlScored.Scorer = services.GetRequiredKeyedService<OnnxEndpointScorer>(name);
        });
        return builder;
    }
}
