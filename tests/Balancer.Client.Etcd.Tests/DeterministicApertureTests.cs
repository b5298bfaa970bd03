using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd.Tests;

public sealed class DeterministicApertureTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<int, int, int> Fleets => new()
    {
        { 10, 16, 3 },  // N / k not an integer, more members than endpoints
        { 16, 16, 8 },
        { 100, 7, 8 },  // fewer members than N / k: wider slices, so that every endpoint has members
        { 37, 100, 5 },
        { 5, 3, 2 },
        { 64, 64, 1 },
        { 12, 5, 12 },  // k = N: every member uses every endpoint
        { 300, 100, 20 }, // the fleets of docs/subsetting.md
        { 3000, 1000, 30 },
    };

    [Theory]
    [MemberData(nameof(Fleets))]
    public void Assign_EveryEndpointReceivesTheSameShareOfTheFleetsLoad_AndConnectionsAreWithinOneOfTheMean(int endpoints, int members, int apertureSize)
    {
        var weights = Weights(endpoints, members, apertureSize);

        // Each member spreads its (equal) load over its endpoints by weight, as a weighted round robin does.
        var load = new double[endpoints];
        var connections = new int[endpoints];
        for (var m = 0; m < members; m++)
        {
            var total = weights[m].Sum();
            for (var e = 0; e < endpoints; e++)
            {
                load[e] += weights[m][e] / total / members;
                connections[e] += weights[m][e] > 0 ? 1 : 0;
            }
        }

        var sizes = weights.Select(w => w.Count(x => x > 0)).ToArray();
        output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{members} members x {endpoints} endpoints, k = {apertureSize}: load max/mean {load.Max() / load.Average():0.0000}; members per endpoint {connections.Min()} / {connections.Average():0.00} / {connections.Max()}; endpoints per member {sizes.Min()} / {sizes.Average():0.0} / {sizes.Max()}"));
        (load.Max() / load.Average()).Should().BeLessThanOrEqualTo(1.05, "loads: {0}", string.Join(", ", load.Select(l => l.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture))));
        connections.Max().Should().BeLessThanOrEqualTo((int)Math.Ceiling(connections.Average()) + 1);
        connections.Min().Should().BeGreaterThanOrEqualTo((int)Math.Floor(connections.Average()) - 1).And.BeGreaterThan(0, "every endpoint has members");
        weights.Should().AllSatisfy(w => w.Count(x => x > 0).Should().BeGreaterThanOrEqualTo(Math.Min(apertureSize, endpoints)));
    }

    [Fact]
    public void Assign_ExactShares_GiveEveryEndpointExactlyOneNth()
    {
        // Before the weights are rounded to integers, the arithmetic is exact: every point of the ring has d members.
        const int N = 10, M = 16, K = 3;
        var ring = Enumerable.Range(0, N).ToArray();
        var load = new double[N];
        for (var m = 0; m < M; m++)
        {
            var shares = new double[N];
            DeterministicAperture.Assign(ring, m, M, K, shares);
            for (var e = 0; e < N; e++)
            {
                load[e] += shares[e] / shares.Sum() / M;
            }
        }

        load.Should().AllSatisfy(l => l.Should().BeApproximately(1.0 / N, 1e-12));
    }

    [Fact]
    public void Assign_MemberJoins_EachSliceChangesOnlyAtItsEnds()
    {
        const int N = 40, K = 8;
        var before = Weights(N, 10, K);
        var after = Weights(N, 11, K); // a member with the highest id joins: ranks 0-9 keep their ids
        for (var m = 0; m < 10; m++)
        {
            var was = Enumerable.Range(0, N).Where(e => before[m][e] > 0).ToHashSet();
            var now = Enumerable.Range(0, N).Where(e => after[m][e] > 0).ToHashSet();
            var moved = was.Except(now).Count() + now.Except(was).Count();

            // The arc of rank r moves from r / 10 to r / 11 and shrinks: at most N / M endpoints at each end change.
            moved.Should().BeLessThanOrEqualTo((2 * N / 10) + 2, "member {0} had {1} and has {2}", m, string.Join(",", was), string.Join(",", now));
            was.Intersect(now).Should().NotBeEmpty("a slice moves, it is not cut anew");
        }
    }

    [Fact]
    public void RingIndex_DependsOnTheAddressesOnly_NotOnTheirOrder()
    {
        string[] keys = ["http://127.0.0.1:5001/", "http://127.0.0.1:5002/", "http://127.0.0.1:5003/", "http://127.0.0.1:5004/"];
        var ranks = DeterministicAperture.RingIndex(keys);
        var reversed = DeterministicAperture.RingIndex([.. keys.Reverse()]);

        ranks.Should().BeEquivalentTo(Enumerable.Range(0, 4));
        for (var i = 0; i < keys.Length; i++)
        {
            reversed[keys.Length - 1 - i].Should().Be(ranks[i]);
        }
    }

    /// <summary>Each member's weights as the client sets them: share × 100 scaled to the largest, rounded, at least 1.</summary>
    private static double[][] Weights(int endpoints, int members, int apertureSize)
    {
        var ring = DeterministicAperture.RingIndex([.. Enumerable.Range(0, endpoints).Select(i => $"http://127.0.0.1:{5000 + i}/")]);
        var result = new double[members][];
        for (var m = 0; m < members; m++)
        {
            var shares = new double[endpoints];
            DeterministicAperture.Assign(ring, m, members, apertureSize, shares);
            var largest = shares.Max();
            result[m] = [.. shares.Select(s => s > 0 ? Math.Clamp(Math.Round(s / largest * 100), 1, 100) : 0)];
        }

        return result;
    }
}
