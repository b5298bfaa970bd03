using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class PowerOfTwoChoicesSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_TwoEndpoints_AlwaysPicksTheLessBusy()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        for (var i = 0; i < 3; i++)
        {
            endpoints[0].Stats.IncrementInFlight();
        }

        var selector = new PowerOfTwoChoicesSelector(RandomSource.Create(42));

        for (var i = 0; i < 1000; i++)
        {
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
        }
    }

    [Fact]
    public void Select_NeverPicksTheBusierOfItsSamples_SoTheBusiestIsNeverPicked()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1);
        for (var i = 0; i < 10; i++)
        {
            endpoints[2].Stats.IncrementInFlight();
        }

        var selector = new PowerOfTwoChoicesSelector(RandomSource.Create(42));
        var picks = Enumerable.Range(0, 5000).Select(_ => selector.Select(new SelectionContext(endpoints))).ToList();

        picks.Should().NotContain(endpoints[2]);
        picks.Distinct().Should().HaveCount(4, "ties among the idle endpoints are broken at random");
    }

    [Fact]
    public void Select_AllIdle_SpreadsEvenly()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        var selector = new PowerOfTwoChoicesSelector(RandomSource.Create(9));

        var counts = Enumerable.Range(0, 8000).Select(_ => selector.Select(new SelectionContext(endpoints))!)
            .GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());

        counts.Values.Should().OnlyContain(c => c > 1600 && c < 2400);
    }

    [Fact]
    public void Select_OneEndpoint_ReturnsIt()
    {
        var endpoints = _endpoints.WithWeights(3);
        new PowerOfTwoChoicesSelector(RandomSource.Create(1)).Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }
}
