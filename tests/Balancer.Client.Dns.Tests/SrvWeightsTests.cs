namespace Balancer.Client.Dns.Tests;

public sealed class SrvWeightsTests
{
    [Theory]
    [InlineData(3, 3, 100)]
    [InlineData(1, 3, 33)]
    [InlineData(2, 3, 67)]
    [InlineData(0, 3, 1)]
    [InlineData(0, 0, 1)]
    [InlineData(65535, 65535, 100)]
    [InlineData(32768, 65535, 50)]
    [InlineData(1, 65535, 1)]
    [InlineData(600, 65535, 1)]
    [InlineData(700, 65535, 1)]
    [InlineData(1000, 65535, 2)]
    public void ToEndpointWeight_ScalesTheLargestOfTheTierTo100_AtLeast1(int srvWeight, int largestInTier, int expected) =>
        SrvWeights.ToEndpointWeight(srvWeight, largestInTier).Should().Be(expected);

    [Fact]
    public void ToEndpointWeights_EachPriorityScaledOnItsOwn()
    {
        var weights = SrvWeights.ToEndpointWeights([(0, 30), (0, 10), (1, 5), (1, 5), (2, 0), (2, 0), (3, 0), (3, 65535)]);

        weights.Should().Equal(100, 33, 100, 100, 1, 1, 1, 100);
    }

    [Fact]
    public void ToEndpointWeights_KeepsRatiosToAPercent()
    {
        int[] srv = [1, 2, 5, 7, 10, 25, 50, 100, 1000, 12345, 65535];
        var weights = SrvWeights.ToEndpointWeights([.. srv.Select(w => (0, w))]);

        for (var i = 0; i < srv.Length; i++)
        {
            var exact = 100.0 * srv[i] / srv[^1];
            if (exact >= 1)
            {
                Math.Abs(weights[i] - exact).Should().BeLessThanOrEqualTo(0.5, $"SRV weight {srv[i]} of {srv[^1]} is {exact:F2} in 100");
            }
            else
            {
                weights[i].Should().Be(1, "an endpoint weight is at least 1");
            }
        }
    }
}
