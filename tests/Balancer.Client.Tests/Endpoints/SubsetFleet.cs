using System.Globalization;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Tests.Endpoints;

/// <summary>The subsets of every instance of a fleet for one endpoint set, with the numbers the subsetting is judged by.</summary>
internal sealed class SubsetFleet
{
    public SubsetFleet(IReadOnlyList<string> keys, int subsetSize, int instanceCount)
    {
        Keys = keys;
        Subsets = [.. Enumerable.Range(0, instanceCount).Select(id => Subset(keys, subsetSize, id, instanceCount))];
        var counts = Subsets.SelectMany(s => s).CountBy(k => k, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        ClientsPerEndpoint = [.. keys.Select(k => counts.GetValueOrDefault(k))];
    }

    public IReadOnlyList<string> Keys { get; }

    /// <summary>The subset of each instance, by instance id.</summary>
    public IReadOnlyList<HashSet<string>> Subsets { get; }

    /// <summary>The number of instances that use each endpoint, in key order.</summary>
    public int[] ClientsPerEndpoint { get; }

    /// <summary>The most instances on one endpoint divided by the mean.</summary>
    public double MaxOverMean => ClientsPerEndpoint.Max() / ClientsPerEndpoint.Average();

    /// <summary>Addresses 127.0.0.1 with ports from <paramref name="firstPort"/>, normalized as the validator does.</summary>
    public static List<string> Addresses(int count, int firstPort = 20000) =>
        [.. Enumerable.Range(firstPort, count).Select(p => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{p}/"))];

    public static HashSet<string> Subset(IReadOnlyList<string> keys, int subsetSize, int instanceId, int instanceCount)
    {
        var chosen = DeterministicSubsetting.Select(keys, subsetSize, instanceId, instanceCount);
        return keys.Where((_, i) => chosen[i]).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The share of instances whose subset differs in <paramref name="other"/> (same instance count).</summary>
    public double ChurnTo(SubsetFleet other) =>
        (double)Subsets.Where((s, i) => !s.SetEquals(other.Subsets[i])).Count() / Subsets.Count;

    /// <summary>The most load on one endpoint divided by the mean, when every instance sends the same rate spread evenly over its subset.</summary>
    public double LoadMaxOverMean
    {
        get
        {
            var load = Keys.ToDictionary(k => k, _ => 0.0, StringComparer.Ordinal);
            foreach (var subset in Subsets)
            {
                foreach (var key in subset)
                {
                    load[key] += 1.0 / subset.Count;
                }
            }

            return load.Values.Max() / load.Values.Average();
        }
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"clients per endpoint min {ClientsPerEndpoint.Min()} mean {ClientsPerEndpoint.Average():F2} max {ClientsPerEndpoint.Max()} (max/mean {MaxOverMean:F3}); " +
        $"subset size min {Subsets.Min(s => s.Count)} mean {Subsets.Average(s => s.Count):F1} max {Subsets.Max(s => s.Count)}; " +
        $"load max/mean with equal rates spread evenly {LoadMaxOverMean:F3}");
}
