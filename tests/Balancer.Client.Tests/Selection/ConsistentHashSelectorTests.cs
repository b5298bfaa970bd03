using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class ConsistentHashSelectorTests
{
    private const string Header = "X-User-Id";

    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Select_SameKey_SameEndpoint_AcrossCallsAndSelectors()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1, 1, 1, 1);
        var first = Create();
        var second = Create();
        var reordered = endpoints.Reverse().ToArray();
        var used = new HashSet<BalancerEndpoint>();

        for (var i = 0; i < 200; i++)
        {
            using var request = Keyed($"user-{i}");
            var chosen = first.Select(new SelectionContext(endpoints, request));
            used.Add(chosen!);
            for (var repeat = 0; repeat < 3; repeat++)
            {
                first.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(chosen);
            }

            second.Select(new SelectionContext(reordered, request)).Should().BeSameAs(chosen, "another client with the same endpoints agrees");
        }

        used.Should().HaveCount(8, "keys spread over every endpoint");
    }

    [Fact]
    public void Select_SameStringByHeaderProviderOrRequestOption_SameEndpoint()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1, 1);
        var byHeader = Create(new ConsistentHashOptions { HeaderName = Header });
        var byProvider = Create(new ConsistentHashOptions { KeyProvider = r => r.RequestUri!.AbsolutePath.AsSpan(1) });
        var byOption = Create();

        for (var i = 0; i < 100; i++)
        {
            var key = $"tenant-{i}";
            using var header = new HttpRequestMessage(HttpMethod.Get, "http://catalog/");
            header.Headers.Add(Header, key);
            using var path = new HttpRequestMessage(HttpMethod.Get, $"http://catalog/{key}");
            using var option = Keyed(key);

            var expected = byOption.Select(new SelectionContext(endpoints, option));
            byHeader.Select(new SelectionContext(endpoints, header)).Should().BeSameAs(expected);
            byProvider.Select(new SelectionContext(endpoints, path)).Should().BeSameAs(expected);
        }
    }

    [Fact]
    public void Select_RequestOptionComesBeforeProviderAndHeader()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1, 1, 1, 1);
        var selector = Create(new ConsistentHashOptions { HeaderName = Header, KeyProvider = _ => "from-provider" });
        using var fromProvider = new HttpRequestMessage();
        var providerChoice = selector.Select(new SelectionContext(endpoints, fromProvider));

        // Find a key that maps elsewhere, then check that it wins over the provider.
        var other = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Owner(endpoints, k) != providerChoice);
        using var request = Keyed(other);
        request.Headers.Add(Header, "from-header");

        selector.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(Owner(endpoints, other));
    }

    [Fact]
    public void Select_MultiValueHeader_HashesEveryValueInOrder()
    {
        var endpoints = _endpoints.WithWeights(Enumerable.Repeat(1, 16).ToArray());
        var selector = Create(new ConsistentHashOptions { HeaderName = Header });
        var distinct = new HashSet<BalancerEndpoint>();
        for (var i = 0; i < 50; i++)
        {
            using var request = new HttpRequestMessage();
            request.Headers.Add(Header, ["a", $"b{i}"]);
            var expected = new HashRing(endpoints).Owner(HashRing.Hash($"b{i}", HashRing.Hash("a")));
            selector.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(expected);
            distinct.Add(expected);
        }

        distinct.Count.Should().BeGreaterThan(4, "the second value takes part in the hash");
    }

    [Fact]
    public void Select_NoKey_FallsBackToPeakEwma()
    {
        var endpoints = _endpoints.WithWeights(1, 1);
        _endpoints.Record(endpoints[0], TimeSpan.FromMilliseconds(80));
        _endpoints.Record(endpoints[1], TimeSpan.FromMilliseconds(5));
        var selector = Create(new ConsistentHashOptions { HeaderName = Header, KeyProvider = _ => default });

        using var request = new HttpRequestMessage();
        request.Headers.Add(Header, string.Empty);
        for (var i = 0; i < 50; i++)
        {
            selector.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(endpoints[1]);
            selector.Select(new SelectionContext(endpoints)).Should().BeSameAs(endpoints[1], "a context without a request has no key either");
        }
    }

    [Fact]
    public void Select_EndpointOverTheBound_IsSkippedForTheNextOnTheRing()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        var selector = Create();
        using var request = Keyed("hot");
        var home = selector.Select(new SelectionContext(endpoints, request))!;

        // 2 in flight on home, 6 elsewhere: L = 8, ⌈1.25 × 9 / 4⌉ = 3 ≥ 2 + 1, so home keeps the key.
        SetInFlight(home, 2);
        foreach (var other in endpoints.Where(e => e != home))
        {
            SetInFlight(other, 2);
        }

        selector.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(home);

        // 3 on home, 0 elsewhere: ⌈1.25 × 4 / 4⌉ = 2 < 3 + 1: skipped, always to the same next endpoint.
        SetInFlight(home, 3);
        foreach (var other in endpoints.Where(e => e != home))
        {
            SetInFlight(other, 0);
        }

        var next = selector.Select(new SelectionContext(endpoints, request));
        next.Should().NotBeSameAs(home);
        selector.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(next);
        selector.Select(new SelectionContext(endpoints, request, [home])).Should().BeSameAs(next, "a retry skips the tried endpoint the same way");
    }

    [Fact]
    public void Select_HotKeyWithRequestsPilingUp_NoEndpointExceedsTheBound()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 2, 1, 1, 2);
        var selector = Create();
        using var request = Keyed("hot");
        const double Bound = ConsistentHashConstants.DefaultLoadBoundFactor;

        for (var total = 0; total < 400; total++)
        {
            var chosen = selector.Select(new SelectionContext(endpoints, request))!;
            chosen.Stats.IncrementInFlight();

            // The chosen endpoint's count, this request included, is within ⌈c × (L + 1) × w ÷ W⌉.
            var capacity = (int)Math.Ceiling(Bound * (total + 1) * chosen.Weight / 8.0);
            chosen.Stats.InFlight.Should().BeLessThanOrEqualTo(capacity, "pick {0}", total);
        }

        // Endpoints fill up to their capacity in ring order, so the key is spread over at least 1/c of the weight.
        endpoints.Where(e => e.Stats.InFlight > 0).Sum(e => e.Weight).Should().BeGreaterThanOrEqualTo((int)Math.Ceiling(8 / Bound));
    }

    [Fact]
    public void Select_Bound_CountsEveryRequestInFlightOfTheClient()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        var ejected = _endpoints.Create(6000);
        var selector = Create();
        using var request = Keyed("hot");
        var home = selector.Select(new SelectionContext(endpoints, request))!;
        SetInFlight(home, 3);

        // L = 3: ⌈1.25 × 4 / 4⌉ = 2 < 4, skipped.
        home.Stats.ClientInFlight.Should().Be(3);
        selector.Select(new SelectionContext(endpoints, request)).Should().NotBeSameAs(home);

        // 9 more in flight on an endpoint of the client that is not eligible: L = 12, ⌈1.25 × 13 / 4⌉ = 5 ≥ 4.
        SetInFlight(ejected, 9);
        home.Stats.ClientInFlight.Should().Be(12);
        selector.Select(new SelectionContext(endpoints, request)).Should().BeSameAs(home);
    }

    [Fact]
    public void Select_InfiniteBound_KeepsEveryRequestOfAKeyOnItsEndpoint()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1);
        var selector = Create(new ConsistentHashOptions { LoadBoundFactor = double.PositiveInfinity });
        using var request = Keyed("hot");
        var home = selector.Select(new SelectionContext(endpoints, request))!;

        for (var i = 0; i < 100; i++)
        {
            var chosen = selector.Select(new SelectionContext(endpoints, request));
            chosen.Should().BeSameAs(home);
            chosen!.Stats.IncrementInFlight();
        }
    }

    [Fact]
    public void Select_AllTried_ReturnsTheKeysOwnEndpoint()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1);
        var selector = Create();
        using var request = Keyed("k");
        var home = selector.Select(new SelectionContext(endpoints, request));

        selector.Select(new SelectionContext(endpoints, request, endpoints)).Should().BeSameAs(home);
    }

    [Fact]
    public void Select_RetryList_WalksTheSnapshotRingAndSkipsTheTried()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1);
        var selector = Create();
        using var request = Keyed("k");
        var home = selector.Select(new SelectionContext(endpoints, request))!;
        var next = selector.Select(new SelectionContext(endpoints, request, [home]))!;
        var rest = endpoints.Where(e => e != home).ToArray();

        selector.Select(new SelectionContext(rest, request, [home], endpoints)).Should().BeSameAs(next);
        selector.Select(new SelectionContext(rest, request, [home])).Should().BeSameAs(next, "without the pool, the ring of the rest agrees");
        var third = selector.Select(new SelectionContext([.. rest.Where(e => e != next)], request, [home, next], endpoints));
        third.Should().NotBeNull().And.NotBeSameAs(home).And.NotBeSameAs(next);
    }

    [Fact]
    public void Select_SameSnapshot_AllocatesNothing()
    {
        var endpoints = _endpoints.WithWeights(1, 2, 1, 3, 1, 1, 1, 1);
        var selector = Create(new ConsistentHashOptions { HeaderName = Header });
        using var byHeader = new HttpRequestMessage();
        byHeader.Headers.Add(Header, "user-1");
        using var byOption = Keyed("user-2");
        using var none = new HttpRequestMessage();
        var rest = endpoints[1..];
        HttpRequestMessage[] requests = [byHeader, byOption, none];
        foreach (var request in requests)
        {
            selector.Select(new SelectionContext(endpoints, request));
        }

        SetInFlight(endpoints[0], 5);
        BalancerEndpoint[] tried = [endpoints[0]];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            foreach (var request in requests)
            {
                selector.Select(new SelectionContext(endpoints, request));
            }

            // Retries of keyed requests reuse the snapshot's ring (the fallback builds a table for the retry list).
            selector.Select(new SelectionContext(rest, byHeader, tried, endpoints));
            selector.Select(new SelectionContext(rest, byOption, tried, endpoints));
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    private ConsistentHashSelector Create(ConsistentHashOptions? options = null) =>
        new(options ?? new ConsistentHashOptions(), new PeakEwmaSelector(RandomSource.Create(1), _endpoints.Time));

    private static HttpRequestMessage Keyed(string key) => new HttpRequestMessage().SetBalancerHashKey(key);

    private static BalancerEndpoint Owner(BalancerEndpoint[] endpoints, string key) => new HashRing(endpoints).Owner(HashRing.Hash(key));

    private static void SetInFlight(BalancerEndpoint endpoint, int count)
    {
        while (endpoint.Stats.InFlight < count)
        {
            endpoint.Stats.IncrementInFlight();
        }

        while (endpoint.Stats.InFlight > count)
        {
            endpoint.Stats.DecrementInFlight();
        }
    }
}
