using System.Diagnostics;
using System.Globalization;
using System.Text;
using Balancer.Client.Diagnostics;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection.MlScored;

/// <summary>
/// Records why the ML-scored selector picked an endpoint, as an event on the current activity: the request class, every
/// candidate with its predicted latency, failure probability, samples, expected and sampled cost, and the reason.
/// Called only when the activity is sampled with all data requested, so only then does a pick allocate.
/// </summary>
internal static class MlScoredExplanation
{
    public const string ClassTag = "balancer.ml.class";
    public const string ReasonTag = "balancer.ml.reason";
    public const string ChosenTag = "balancer.ml.chosen";
    public const string CandidatesTag = "balancer.ml.candidates";

    /// <summary>The chosen candidate had no sample of this class: the peak-EWMA prior decided.</summary>
    public const string PriorReason = "prior";

    /// <summary>The chosen candidate also has the lowest expected cost.</summary>
    public const string LowestCostReason = "lowest-cost";

    /// <summary>Another candidate had a lower expected cost; the chosen one won on its exploration draw.</summary>
    public const string ExplorationReason = "exploration";

    public static string Reason(ReadOnlySpan<float> features, ReadOnlySpan<double> expected, int best)
    {
        if (features[(best * EndpointFeatures.Count) + EndpointFeatures.ClassSamples] < 1)
        {
            return PriorReason;
        }

        var greedy = 0;
        for (var i = 1; i < expected.Length; i++)
        {
            if (expected[i] < expected[greedy])
            {
                greedy = i;
            }
        }

        return greedy == best || expected[greedy] >= expected[best] ? LowestCostReason : ExplorationReason;
    }

    public static void Record(Activity activity, string clientName, RequestFeatures request, BalancerEndpoint[] items, ReadOnlySpan<int> picks, ReadOnlySpan<float> features, ReadOnlySpan<double> expected, ReadOnlySpan<double> sampled, int best)
    {
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        for (var i = 0; i < picks.Length; i++)
        {
            var row = features.Slice(i * EndpointFeatures.Count, EndpointFeatures.Count);
            text.Append(culture, $"{(i == 0 ? string.Empty : "; ")}{items[picks[i]].Key} latency={row[EndpointFeatures.ClassLatency] * 1000:0.###}ms")
                .Append(culture, $" in_flight={row[EndpointFeatures.InFlight]} p_fail={row[EndpointFeatures.ClassFailureProbability]:0.####} samples={row[EndpointFeatures.ClassSamples]:0.#}")
                .Append(culture, $" cost={expected[i] * 1000:0.###}ms sampled={sampled[i] * 1000:0.###}ms");
        }

        activity.AddEvent(new ActivityEvent(MlScoredConstants.PickEventName, tags: new ActivityTagsCollection
        {
            [BalancerDiagnostics.ClientTag] = clientName,
            [ClassTag] = request.Class,
            [ReasonTag] = Reason(features, expected, best),
            [ChosenTag] = items[picks[best]].Key,
            [CandidatesTag] = text.ToString(),
        }));
    }
}
