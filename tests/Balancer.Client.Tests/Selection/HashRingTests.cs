using System.IO.Hashing;
using System.Runtime.InteropServices;
using Balancer.Client.Endpoints;
using Balancer.Client.Selection;

namespace Balancer.Client.Tests.Selection;

public class HashRingTests
{
    private const int Keys = 10_000;

    private readonly TestEndpoints _endpoints = new();

    [Fact]
    public void Hash_IsXxh3OfTheUtf16CodeUnits_SameInEveryProcess()
    {
        // Pinned: a different value would send every key of every client to another endpoint after an upgrade.
        HashRing.Hash("user-42").Should().Be(XxHash3.HashToUInt64(MemoryMarshal.AsBytes("user-42".AsSpan())));
        HashRing.Hash("user-42").Should().Be(0x6276D201B55CBC55UL);
        HashRing.Hash("user-42".AsSpan(0, 4)).Should().Be(HashRing.Hash("user"));
    }

    [Fact]
    public void Find_ReturnsTheFirstPointAtOrAfterThePosition_WrappingPastTheTop()
    {
        var ring = new HashRing(_endpoints.WithWeights(1, 3, 2, 1, 5));
        var random = new Random(7);
        uint[] edges = [0, uint.MaxValue, ring.PositionAt(0), ring.PositionAt(ring.PointCount - 1), ring.PositionAt(ring.PointCount - 1) + 1];
        foreach (var position in edges.Concat(Enumerable.Range(0, 5_000).Select(_ => (uint)random.NextInt64(0, 1L << 32))))
        {
            var index = ring.Find(position);
            if (ring.PositionAt(ring.PointCount - 1) < position)
            {
                index.Should().Be(0, "no point lies at or after {0}", position);
                continue;
            }

            ring.PositionAt(index).Should().BeGreaterThanOrEqualTo(position);
            if (index > 0)
            {
                ring.PositionAt(index - 1).Should().BeLessThan(position);
            }
        }
    }

    [Fact]
    public void Ring_LargeRing_IsSortedByPositionThenOwner()
    {
        var ring = new HashRing(_endpoints.WithWeights(Enumerable.Range(0, 300).Select(i => 1 + (i % 3)).ToArray()));

        ring.PointCount.Should().Be(600 * ConsistentHashConstants.PointsPerWeight);
        for (var i = 1; i < ring.PointCount; i++)
        {
            var ordered = ring.PositionAt(i - 1) < ring.PositionAt(i) || (ring.PositionAt(i - 1) == ring.PositionAt(i) && ring.OwnerAt(i - 1) <= ring.OwnerAt(i));
            ordered.Should().BeTrue("point {0} follows point {1}", i, i - 1);
        }
    }

    [Fact]
    public void Ring_HasPointsPerWeight_AndIsCappedForLargeSets()
    {
        new HashRing(_endpoints.WithWeights(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)).PointCount.Should().Be(10 * ConsistentHashConstants.PointsPerWeight);
        new HashRing(_endpoints.WithWeights(1, 4)).PointCount.Should().Be(5 * ConsistentHashConstants.PointsPerWeight);

        var large = new HashRing(_endpoints.WithWeights(Enumerable.Repeat(100, 2_000).ToArray()));
        large.PointCount.Should().BeLessThanOrEqualTo(ConsistentHashConstants.MaxPoints + 2_000);
        large.PointCount.Should().BeGreaterThan(ConsistentHashConstants.MaxPoints - 2_000);
    }

    [Fact]
    public void Owner_DoesNotDependOnTheOrderOfTheList()
    {
        var endpoints = _endpoints.WithWeights(1, 2, 1, 3, 1, 1);
        var ring = new HashRing(endpoints);
        var reversed = new HashRing(endpoints.Reverse().ToArray());

        foreach (var key in KeyNames())
        {
            var hash = HashRing.Hash(key);
            reversed.Owner(hash).Should().BeSameAs(ring.Owner(hash));
        }
    }

    [Fact]
    public void AddingOneEndpointToTen_MovesAtMost15PercentOfTheKeys_AllToTheNewOne()
    {
        var ten = _endpoints.WithWeights(Enumerable.Repeat(1, 10).ToArray());
        var added = _endpoints.Create(6000);
        var before = new HashRing(ten);
        var after = new HashRing([.. ten, added]);

        var moved = 0;
        foreach (var key in KeyNames())
        {
            var hash = HashRing.Hash(key);
            var owner = after.Owner(hash);
            if (!ReferenceEquals(owner, before.Owner(hash)))
            {
                moved++;
                owner.Should().BeSameAs(added, "a key only moves to the endpoint that took its point");
            }
        }

        // The ideal is 1/11 ≈ 9.1%.
        ((double)moved / Keys).Should().BeLessThanOrEqualTo(0.15).And.BeGreaterThan(0.04);
    }

    [Fact]
    public void RemovingOneEndpoint_MovesOnlyItsKeys_SpreadOverTheOthers()
    {
        var ten = _endpoints.WithWeights(Enumerable.Repeat(1, 10).ToArray());
        var removed = ten[3];
        var before = new HashRing(ten);
        var after = new HashRing([.. ten.Where(e => e != removed)]);

        var orphans = new Dictionary<BalancerEndpoint, int>();
        foreach (var key in KeyNames())
        {
            var hash = HashRing.Hash(key);
            var old = before.Owner(hash);
            var owner = after.Owner(hash);
            if (ReferenceEquals(old, removed))
            {
                orphans[owner] = orphans.GetValueOrDefault(owner) + 1;
            }
            else
            {
                owner.Should().BeSameAs(old, "keys of the endpoints that stay do not move");
            }
        }

        orphans.Values.Sum().Should().BeGreaterThan(Keys / 20, "the removed endpoint owned about a tenth of the keys");
        orphans.Count.Should().BeGreaterThanOrEqualTo(5, "its points were spread, so its keys spread over many endpoints");
    }

    [Fact]
    public void Weights_ShapeKeyShares()
    {
        var endpoints = _endpoints.WithWeights(1, 2, 3, 4);
        var ring = new HashRing(endpoints);

        var counts = KeyNames().GroupBy(k => ring.Owner(HashRing.Hash(k))).ToDictionary(g => g.Key, g => g.Count());

        foreach (var endpoint in endpoints)
        {
            var expected = Keys * endpoint.Weight / 10.0;
            ((double)counts[endpoint]).Should().BeInRange(expected * 0.75, expected * 1.25, "weight {0} of 10", endpoint.Weight);
        }
    }

    [Fact]
    public void ChangingOneWeight_MovesOnlyKeysToOrFromThatEndpoint()
    {
        var endpoints = _endpoints.WithWeights(1, 1, 1, 1, 1);
        var heavier = endpoints.Select((e, i) => i == 2 ? e.WithSettings(2, null, null, 0) : e).ToArray();
        var before = new HashRing(endpoints);
        var after = new HashRing(heavier);

        foreach (var key in KeyNames())
        {
            var hash = HashRing.Hash(key);
            var old = before.Owner(hash);
            var owner = after.Owner(hash);
            if (owner.Key != old.Key)
            {
                owner.Key.Should().Be(endpoints[2].Key, "the heavier endpoint only gains points");
            }
        }
    }

    private static IEnumerable<string> KeyNames() => Enumerable.Range(0, Keys).Select(i => $"key-{i}");
}
