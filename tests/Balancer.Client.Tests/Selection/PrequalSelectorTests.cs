using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

/// <summary>The Prequal selector's pick rule on probe results handed in directly (the probing itself runs against real servers in the AspNetCore tests).</summary>
public class PrequalSelectorTests
{
    private readonly TestEndpoints _endpoints = new();

    private PrequalSelector Create(Action<PrequalOptions>? configure = null)
    {
        var options = new PrequalOptions();
        configure?.Invoke(options);
        return new PrequalSelector(RandomSource.Create(7), _endpoints.Time, options, transport: null);
    }

    private ProbeResult Result(BalancerEndpoint endpoint, double inFlight, double latencyMs, double meanInFlight = 1) =>
        new(endpoint, inFlight, latencyMs, meanInFlight, _endpoints.Now);

    [Fact]
    public void Select_ColdEndpointOfLowestLatency_Wins()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        using var selector = Create(o => o.MaxUses = 16);
        selector.Add(Result(endpoints[0], 0, 40));
        selector.Add(Result(endpoints[1], 0, 10));
        selector.Add(Result(endpoints[2], 0, 20));
        selector.Add(Result(endpoints[3], 0, 80));

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);
        selector.ProbedPicks.Should().Be(1);
    }

    [Fact]
    public void Select_HotEndpoint_LosesToAColdOne_EvenWhenFaster()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1);
        using var selector = Create();
        selector.Add(Result(endpoints[0], 9, 1, meanInFlight: 9)); // fastest, but far above the pool's requests in flight
        selector.Add(Result(endpoints[1], 1, 30));
        selector.Add(Result(endpoints[2], 1, 20));
        selector.Add(Result(endpoints[3], 2, 25));
        selector.Add(Result(endpoints[4], 1, 90));

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[2], "the hot one is out, and the cheapest cold one wins (the others cost over 1.3x it)");
    }

    [Fact]
    public void Select_ServerAboveItsUsualLoad_IsPricedUp()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        using var selector = Create(o => o.HotQuantile = 1);
        selector.Add(Result(endpoints[0], 5, 10, meanInFlight: 1)); // 10 ms at 1 in flight; a request now finds 6
        selector.Add(Result(endpoints[1], 0, 30, meanInFlight: 1));
        selector.Add(Result(endpoints[2], 0, 50, meanInFlight: 1));

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1], "10 ms × 6 ÷ 1 = 60 ms expected, against 30");
    }

    [Fact]
    public void Select_ClientsOwnMeanLatency_OutranksTheServersAverage()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        for (var i = 0; i < 3; i++)
        {
            _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(100)); // slow as this client sees it (the network, say)
        }

        using var selector = Create(o => o.HotQuantile = 1);
        selector.Add(Result(endpoints[0], 0, 10));
        selector.Add(Result(endpoints[1], 0, 30));
        selector.Add(Result(endpoints[2], 0, 50));

        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1], "100 ms measured by the client beats the server's 10 ms average");
    }

    [Fact]
    public void Select_SpentResult_IsLeftOutWhileThreeFreshOnesRemain_ThenServesAgainWithItsPicksPricedIn()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        using var selector = Create(o => (o.MaxUses, o.HotQuantile) = (1, 1));
        selector.Add(Result(endpoints[0], 0, 10));
        selector.Add(Result(endpoints[1], 0, 20));
        selector.Add(Result(endpoints[2], 0, 40));
        selector.Add(Result(endpoints[3], 0, 80));
        var context = new SelectionContext(endpoints);

        selector.Select(context).Should().BeSameAs(endpoints[0]);
        selector.Select(context).Should().BeSameAs(endpoints[1], "the first result is spent and 3 fresh ones remain");
        selector.Select(context).Should().BeSameAs(endpoints[0], "with 2 fresh ones left, spent results serve too: 10 ms × (1 pick + 1) ÷ 1 = 20 ms beats 40");
        selector.FallbackPicks.Should().Be(0);
        selector.ProbedPicks.Should().Be(3);
    }

    [Fact]
    public void Select_OldReport_RelaxesTowardsTheServersMeanLoad()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        using var selector = Create(o => o.HotQuantile = 1);
        selector.Add(Result(endpoints[0], 8, 10, meanInFlight: 2)); // busy when probed: 10 ms × 9 ÷ 2 = 45 ms then
        selector.Add(Result(endpoints[1], 0, 30, meanInFlight: 1));
        selector.Add(Result(endpoints[2], 0, 50, meanInFlight: 1));
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1]);

        // 50 ms (5 latencies) later the 8 in flight are long gone: about its mean of 1, so 10 ms again.
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(50));
        selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[0]);
    }

    [Fact]
    public void Select_StaleResults_AreNotUsed()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        using var selector = Create(o => o.MaxProbeAge = TimeSpan.FromMilliseconds(100));
        foreach (var endpoint in endpoints)
        {
            selector.Add(Result(endpoint, 0, 10));
        }

        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(101));
        selector.Select(new SelectionContext(endpoints)).Should().NotBeNull();
        selector.ProbedPicks.Should().Be(0);
        selector.FallbackPicks.Should().Be(1);
    }

    [Fact]
    public void Select_FewerThanThreeUsableResults_UsesClientSideEstimates()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        using var selector = Create();
        selector.Add(Result(endpoints[3], 0, 500)); // one result only: it would win by default

        var picks = Enumerable.Range(0, 40).Select(_ => selector.Select(new SelectionContext(endpoints))).ToList();
        selector.ProbedPicks.Should().Be(0);
        picks.Should().Contain(e => e != endpoints[3]);
    }

    [Fact]
    public void Select_ResultsOfEndpointsThatLeft_AreDropped_AndTriedOnesSkipped()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        using var selector = Create(o => o.MaxUses = 16);
        selector.Add(Result(endpoints[0], 0, 1)); // the best, but it left the set
        selector.Add(Result(endpoints[1], 0, 5));
        selector.Add(Result(endpoints[2], 0, 20));
        selector.Add(Result(endpoints[3], 0, 21));
        var remaining = endpoints[1..];

        selector.Select(new SelectionContext(remaining)).Should().BeSameAs(endpoints[1]);
        selector.Select(new SelectionContext([endpoints[2], endpoints[3]], triedEndpoints: [endpoints[1]], pool: remaining))
            .Should().BeOneOf(endpoints[2], endpoints[3]);
        selector.GetScore(endpoints[0])!.Value.Note.Should().StartWith("no fresh probe", "its result was cleared from the pool");
    }

    [Fact]
    public void Pool_NewResult_ReplacesTheSameEndpointsOne_ElseTheOldest()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var pool = new ProbePool(2);
        var first = Result(endpoints[0], 1, 10);
        pool.Add(first);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(1));
        var second = Result(endpoints[1], 1, 10);
        pool.Add(second);
        _endpoints.Time.Advance(TimeSpan.FromMilliseconds(1));
        var newer = Result(endpoints[1], 2, 10);
        pool.Add(newer);
        pool.Find(endpoints[1]).Should().BeSameAs(newer);
        pool.Find(endpoints[0]).Should().BeSameAs(first, "the same endpoint's slot was taken, not the oldest");

        pool.Add(Result(endpoints[2], 0, 10));
        pool.Find(endpoints[0]).Should().BeNull("the oldest result made room");
        pool.Find(endpoints[1]).Should().BeSameAs(newer);
    }

    [Fact]
    public void Pool_ConcurrentArrivals_KeepOneResultPerSlot_AndNoneOfAnUnknownEndpoint()
    {
        var endpoints = _endpoints.WithWeights([.. Enumerable.Repeat(1, 32)]);
        var pool = new ProbePool(8);
        Parallel.For(0, 20_000, i => pool.Add(Result(endpoints[i % endpoints.Length], i % 5, 10)));

        var held = Enumerable.Range(0, pool.Size).Select(i => pool[i]).ToList();
        held.Should().OnlyContain(r => r != null && endpoints.Contains(r.Endpoint));
    }

    [Fact]
    public void Describe_WithoutTransport_SaysItUsesClientSideEstimates()
    {
        using var selector = Create();
        selector.ScoreDescription.Should().Contain("client-side estimates");
    }

    [Theory]
    [InlineData("ProbePath", "load")]
    [InlineData("ProbesPerRequest", "0")]
    [InlineData("PoolSize", "1")]
    [InlineData("MaxProbeAge", "00:00:00")]
    [InlineData("MaxUses", "0")]
    [InlineData("HotQuantile", "0.2")]
    [InlineData("ProbeTimeout", "00:01:00")]
    [InlineData("MaxProbesInFlight", "0")]
    public void Validate_OutOfRange_NamesTheFieldAndValue(string field, string value)
    {
        var options = new PrequalOptions();
        var property = typeof(PrequalOptions).GetProperty(field)!;
        property.SetValue(options, property.PropertyType == typeof(TimeSpan) ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : Convert.ChangeType(value, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture));
        var errors = new List<(string Field, object? Value)>();
        PrequalValidation.Validate(options, (f, v, _) => errors.Add((f, v)));

        errors.Should().ContainSingle().Which.Field.Should().Be($"Prequal.{field}");
        errors[0].Value!.ToString().Should().Be(property.GetValue(options)!.ToString());
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var errors = 0;
        PrequalValidation.Validate(new PrequalOptions(), (_, _, _) => errors++);
        errors.Should().Be(0);
    }
}
