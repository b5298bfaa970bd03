using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Feedback.ClassEstimates;

namespace Balancer.Client.Runtime;

/// <summary>
/// The <see cref="IRequestClassEstimates"/> of one client: reads and seeds the class models of the selector it runs
/// now (a reload that changes the selector is followed); nothing when that selector learns no classes.
/// </summary>
internal sealed class RequestClassEstimates(ClientRuntime runtime) : IRequestClassEstimates
{
    /// <summary>
    /// The fewest attempts of its own (time-decayed) that make a class worth passing on: one recent attempt. A selector
    /// tries a slow endpoint's class rarely, and one sample of it tells a new instance more than none.
    /// </summary>
    public const double MinAttempts = 0.5;

    public int Classes => Models?.Classes ?? 0;

    private EndpointModels? Models => (runtime.Selector as IHasClassModels)?.ClassModels;

    public int Read(BalancerEndpoint endpoint, Span<RequestClassLatency> into)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (Models is not { } models || into.IsEmpty)
        {
            return 0;
        }

        Span<(int Class, double Latency, double Samples)> read = stackalloc (int, double, double)[Math.Min(into.Length, models.Classes)];
        var count = models.Read(endpoint.Stats, MinAttempts, read);
        for (var i = 0; i < count; i++)
        {
            into[i] = new RequestClassLatency(read[i].Class, TimeSpan.FromSeconds(read[i].Latency), read[i].Samples);
        }

        return count;
    }

    /// <summary>The most samples a seed counts as: a member's own answers outweigh it within a few dozen.</summary>
    public const double MaxSeedSamples = 8;

    public bool Seed(BalancerEndpoint endpoint, int requestClass, TimeSpan latency, double samples)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var seconds = EndpointStats.SeedSeconds(latency);

        var weight = double.IsFinite(samples) ? Math.Clamp(samples, 1, MaxSeedSamples) : 1;
        return Models is { } models && models.Seed(endpoint.Stats, requestClass, seconds, weight);
    }
}
