using System.Text;
using Balancer.Client.Selection;

namespace Balancer.Client.Grpc;

/// <summary>
/// The load balancing policy names this package registers with grpc-dotnet (the names of
/// <c>ServiceConfig.LoadBalancingConfigs</c>), one per built-in selector of <see cref="EndpointSelectorNames"/>, plus
/// <see cref="Client"/>. A <c>balancer:///{name}</c> channel gets its policy from the resolver: the one of its client's
/// <see cref="BalancerOptions.Selector"/>, and <see cref="Client"/> after it for a custom selector.
/// </summary>
public static class BalancerGrpcPolicyNames
{
    /// <summary>The <see cref="EndpointSelectorNames.LeastLatency"/> selector.</summary>
    public const string LeastLatency = "least_latency";

    /// <summary>The <see cref="EndpointSelectorNames.PeakEwma"/> selector.</summary>
    public const string PeakEwma = "peak_ewma";

    /// <summary>The <see cref="EndpointSelectorNames.PowerOfTwoChoices"/> selector.</summary>
    public const string PowerOfTwoChoices = "power_of_two_choices";

    /// <summary>The <see cref="EndpointSelectorNames.MlScored"/> selector (request class: the gRPC method).</summary>
    public const string MlScored = "ml_scored";

    /// <summary>The <see cref="EndpointSelectorNames.NetworkAware"/> selector.</summary>
    public const string NetworkAware = "network_aware";

    /// <summary>The <see cref="EndpointSelectorNames.ConsistentHash"/> selector.</summary>
    public const string ConsistentHash = "consistent_hash";

    /// <summary>The <see cref="EndpointSelectorNames.WeightedRoundRobin"/> selector.</summary>
    public const string WeightedRoundRobin = "weighted_round_robin";

    /// <summary>
    /// The <see cref="EndpointSelectorNames.RoundRobin"/> selector (smooth weighted round robin, with health and slow
    /// start). In a container where this package is added it takes the place of grpc-dotnet's own <c>round_robin</c>
    /// for <c>balancer:///</c> channels; other channels keep plain round robin.
    /// </summary>
    public const string RoundRobin = "round_robin";

    /// <summary>The <see cref="EndpointSelectorNames.Random"/> selector.</summary>
    public const string Random = "random";

    /// <summary>Whatever selector the channel's balanced client has (built-in or custom, as its options say).</summary>
    public const string Client = "balancer";

    /// <summary>
    /// Gets the policy name of a selector name: its snake-case form (<c>PeakEwma</c> gives <c>peak_ewma</c>, a custom
    /// <c>MyLowestCost</c> gives <c>my_lowest_cost</c>).
    /// </summary>
    /// <param name="selectorName">A selector name, as in <see cref="BalancerOptions.Selector"/>.</param>
    /// <returns>The policy name.</returns>
    public static string ForSelector(string selectorName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(selectorName);
        var builder = new StringBuilder(selectorName.Length + 4);
        for (var i = 0; i < selectorName.Length; i++)
        {
            var c = selectorName[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && selectorName[i - 1] != '_')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c == '-' ? '_' : c);
            }
        }

        return builder.ToString();
    }

    internal static readonly string[] BuiltIn = [LeastLatency, PeakEwma, PowerOfTwoChoices, MlScored, NetworkAware, ConsistentHash, WeightedRoundRobin, RoundRobin, Random, Client];
}
