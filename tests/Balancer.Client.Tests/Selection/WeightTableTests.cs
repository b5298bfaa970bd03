using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class WeightTableTests
{
    private readonly TestEndpoints _endpoints = new();

    [Theory]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new[] { 1, 1, 1, 1, 1 })]
    [InlineData(new[] { 100, 1 })]
    [InlineData(new[] { 100, 1, 1 })]
    public void SampleTwo_ReturnsDistinctIndexes(int[] weights)
    {
        var table = new WeightTable(_endpoints.WithWeights(weights));
        var random = RandomSource.Create(3);

        for (var i = 0; i < 2000; i++)
        {
            var (first, second) = table.SampleTwo(random);
            first.Should().NotBe(second);
            first.Should().BeInRange(0, weights.Length - 1);
            second.Should().BeInRange(0, weights.Length - 1);
        }
    }

    [Fact]
    public void Sample_CoversEveryRangeBoundary()
    {
        var table = new WeightTable(_endpoints.WithWeights(2, 1, 3));
        var random = RandomSource.Create(8);

        var counts = new int[3];
        for (var i = 0; i < 60_000; i++)
        {
            counts[table.Sample(random)]++;
        }

        counts[0].Should().BeCloseTo(20_000, 1_000);
        counts[1].Should().BeCloseTo(10_000, 1_000);
        counts[2].Should().BeCloseTo(30_000, 1_000);
    }
}
