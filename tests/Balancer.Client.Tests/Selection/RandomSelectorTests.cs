using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class RandomSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_Weights_SharesFollowWeights()
    {
        var endpoints = _endpoints.WithWeights(1, 2, 3, 4);
        var selector = new RandomSelector(RandomSource.Create(2024));

        const int Picks = 100_000;
        var counts = Enumerable.Range(0, Picks).Select(_ => selector.Select(new SelectionContext(endpoints))!)
            .GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());

        foreach (var endpoint in endpoints)
        {
            var expected = Picks * endpoint.Weight / 10.0;
            counts[endpoint].Should().BeCloseTo((int)expected, (uint)(expected * 0.05));
        }
    }

    [Fact]
    public void Select_SameSeed_SameSequence()
    {
        var endpoints = _endpoints.WithWeights(1, 2, 3);
        var a = new RandomSelector(RandomSource.Create(5));
        var b = new RandomSelector(RandomSource.Create(5));

        var first = Enumerable.Range(0, 100).Select(_ => a.Select(new SelectionContext(endpoints))).ToList();
        var second = Enumerable.Range(0, 100).Select(_ => b.Select(new SelectionContext(endpoints))).ToList();

        first.Should().Equal(second);
    }
}
