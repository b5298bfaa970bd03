using Balancer.Client.Selection;
using Balancer.Client.Selection.MlScored;
using Balancer.Client.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Onnx.Tests;

/// <summary>The ONNX scorer behind a real balanced client, against real backends on 127.0.0.1.</summary>
public class OnnxSelectorTests
{
    [Fact]
    public async Task UseOnnxEndpointScorer_ModelThatPrefersTheLocalZone_SendsTheTrafficThere()
    {
        // latency = 10 ms − 9 ms × zone match: the endpoint in the client's zone costs a tenth of the other one.
        var weights = new float[EndpointFeatures.Count, 2];
        weights[EndpointFeatures.ZoneMatch, 0] = -0.009f;
        var path = Path.Combine(Path.GetTempPath(), $"zone-scorer-{Guid.NewGuid():N}.onnx");
        await File.WriteAllBytesAsync(path, OnnxModelWriter.Linear(weights, [0.010f, 0]));
        try
        {
            await using var cluster = await BackendCluster.StartAsync(2, (_, o) => o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(1));
            var services = new ServiceCollection();
            services.AddBalancedHttpClient("zoned", o =>
                {
                    o.AddEndpoint(cluster[0].Address.ToString(), zone: "remote");
                    o.AddEndpoint(cluster[1].Address.ToString(), zone: "local");
                    o.MlScored.LocalZone = "local";
                    o.MlScored.Exploration = 0;
                })
                .UseOnnxEndpointScorer(path);
            await using (var provider = services.BuildServiceProvider())
            {
                var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("zoned");
                for (var i = 0; i < 40; i++)
                {
                    using var response = await client.GetAsync(new Uri("/work", UriKind.Relative));
                    response.EnsureSuccessStatusCode();
                }
            }

            cluster[1].RequestsReceived.Should().Be(40, "every request should go to the endpoint the model scores lower");
            cluster[0].RequestsReceived.Should().Be(0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
