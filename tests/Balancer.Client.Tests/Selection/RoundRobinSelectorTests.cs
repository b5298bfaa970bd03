using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class RoundRobinSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_EqualWeights_VisitsEveryEndpointOncePerCycle()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        var selector = new RoundRobinSelector(RandomSource.Create(7));

        var picks = Pick(selector, endpoints, 40);

        for (var cycle = 0; cycle < 10; cycle++)
        {
            picks.Skip(cycle * 4).Take(4).Should().OnlyHaveUniqueItems("each cycle of 4 picks visits all 4 endpoints");
        }
    }

    [Fact]
    public void Select_Weights_GivesExactSharePerCycle()
    {
        var endpoints = _endpoints.WithWeights(5, 1, 1);
        var selector = new RoundRobinSelector(RandomSource.Create(1));

        var picks = Pick(selector, endpoints, 7 * 100);

        for (var cycle = 0; cycle < 100; cycle++)
        {
            var counts = picks.Skip(cycle * 7).Take(7).GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
            counts[endpoints[0]].Should().Be(5);
            counts[endpoints[1]].Should().Be(1);
            counts[endpoints[2]].Should().Be(1);
        }
    }

    [Fact]
    public void Select_Weights_InterleavesEvenly()
    {
        // Weight 5 of 7: a plain weighted round robin sends five in a row; a smooth one never more than three,
        // also across the end of a cycle.
        var endpoints = _endpoints.WithWeights(5, 1, 1);
        var selector = new RoundRobinSelector(RandomSource.Create(3));

        var picks = Pick(selector, endpoints, 70);

        LongestRun(picks, endpoints[0]).Should().BeLessThanOrEqualTo(3);
        for (var i = 0; i + 1 < picks.Count; i++)
        {
            if (picks[i] != endpoints[0])
            {
                picks[i + 1].Should().Be(endpoints[0], "light endpoints are separated by the heavy one");
            }
        }

        picks.Take(7).Should().HaveElementAt(0, endpoints[0]);
    }

    [Theory]
    [InlineData(new[] { 3, 2 })]
    [InlineData(new[] { 10, 1, 1, 1 })]
    [InlineData(new[] { 7, 5, 3, 2, 1 })]
    public void Select_AnyWeights_PicksOfEachEndpointAreSpreadOverTheCycle(int[] weights)
    {
        var endpoints = _endpoints.WithWeights(weights);
        var total = weights.Sum();
        var selector = new RoundRobinSelector(RandomSource.Create(11));

        var picks = Pick(selector, endpoints, total * 20);

        for (var e = 0; e < endpoints.Length; e++)
        {
            // In any window of total/weight consecutive picks (rounded up) plus two, endpoint e appears at least once.
            var window = (int)Math.Ceiling((double)total / weights[e]) + 2;
            for (var start = 0; start + window <= picks.Count; start++)
            {
                picks.Skip(start).Take(window).Should().Contain(endpoints[e]);
            }
        }
    }

    [Fact]
    public void Select_NewSnapshot_UsesTheNewEndpoints()
    {
        var first = _endpoints.WithWeights(1, 1);
        var second = new[] { _endpoints.Create(6000), _endpoints.Create(6001), _endpoints.Create(6002) };
        var selector = new RoundRobinSelector(RandomSource.Create(5));

        Pick(selector, first, 4).Should().OnlyContain(e => first.Contains(e));
        Pick(selector, second, 9).Distinct().Should().HaveCount(3).And.OnlyContain(e => second.Contains(e));
    }

    [Fact]
    public void Select_Empty_ReturnsNull()
    {
        var selector = new RoundRobinSelector(RandomSource.Create(5));
        selector.Select(new SelectionContext([])).Should().BeNull();
    }

    private static List<BalancerEndpoint> Pick(IEndpointSelector selector, BalancerEndpoint[] endpoints, int count) =>
        Enumerable.Range(0, count).Select(_ => selector.Select(new SelectionContext(endpoints))!).ToList();

    private static int LongestRun(List<BalancerEndpoint> picks, BalancerEndpoint endpoint)
    {
        int longest = 0, run = 0;
        foreach (var pick in picks)
        {
            run = pick == endpoint ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}
