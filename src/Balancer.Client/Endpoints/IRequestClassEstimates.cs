namespace Balancer.Client.Endpoints;

/// <summary>
/// What an endpoint subsetter may read and seed of the latency per request class that its client's selector learns
/// (<see cref="IEndpointSubsetter.Attach(IRequestClassEstimates)"/>): <see cref="Selection.EndpointSelectorNames.MlScored"/>
/// keeps one estimate per endpoint and request class; every other selector keeps none, and then
/// <see cref="Classes"/> is 0. A fleet shares them so that a new instance starts from what its peers learnt. The
/// class numbers are the same in every process that uses the same
/// <see cref="Selection.MlScored.MlScoredOptions.RouteClasses"/> and route key (they come from a stable hash of the
/// class's name or route template). Thread-safe; never on the request path.
/// </summary>
public interface IRequestClassEstimates
{
    /// <summary>Gets the number of request classes the client's current selector keeps; 0 when it learns none.</summary>
    int Classes { get; }

    /// <summary>
    /// Writes into <paramref name="into"/> the request classes of <paramref name="endpoint"/> that the selector has
    /// learnt from at least one recent attempt of its own (time-decayed), with their mean latency; a class known
    /// only from a <see cref="Seed"/> is not written, so that a fleet does not pass its own estimates round.
    /// </summary>
    /// <param name="endpoint">An endpoint of the client's set.</param>
    /// <param name="into">Where to write; at most its length entries are written.</param>
    /// <returns>How many entries were written; 0 when the selector learns no classes or has no sample of the endpoint.</returns>
    int Read(BalancerEndpoint endpoint, Span<RequestClassLatency> into);

    /// <summary>
    /// Gives request class <paramref name="requestClass"/> of <paramref name="endpoint"/> an estimate from elsewhere
    /// (such as the median of a fleet's), when the selector has no sample of it yet: it counts as
    /// <paramref name="samples"/> samples (clamped to 1 to 8, so that the endpoint's own answers outweigh it within a
    /// few dozen), and fades as any older sample does, so the endpoint's own samples take over.
    /// </summary>
    /// <param name="endpoint">An endpoint of the client's set.</param>
    /// <param name="requestClass">The class, from 0 to <see cref="Classes"/> − 1.</param>
    /// <param name="latency">The estimate; must be positive and finite.</param>
    /// <param name="samples">How many samples the estimate rests on, such as <see cref="RequestClassLatency.Samples"/> where it was read.</param>
    /// <returns>Whether the estimate was taken: false when the class already has a sample, is out of range, or the selector learns no classes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="latency"/> is zero, negative or infinite.</exception>
    bool Seed(BalancerEndpoint endpoint, int requestClass, TimeSpan latency, double samples);
}

/// <summary>What a selector learnt of one request class on one endpoint (<see cref="IRequestClassEstimates.Read"/>).</summary>
/// <param name="requestClass">The class number, from 0 to <see cref="IRequestClassEstimates.Classes"/> − 1.</param>
/// <param name="latency">The class's recent mean latency on the endpoint.</param>
/// <param name="samples">How many recent samples it rests on (time-decayed, so not a whole number).</param>
public readonly struct RequestClassLatency(int requestClass, TimeSpan latency, double samples)
{
    /// <summary>Gets the class number, from 0 to <see cref="IRequestClassEstimates.Classes"/> − 1.</summary>
    public int RequestClass { get; } = requestClass;

    /// <summary>Gets the class's recent mean latency on the endpoint.</summary>
    public TimeSpan Latency { get; } = latency;

    /// <summary>Gets how many recent samples it rests on (time-decayed, so not a whole number).</summary>
    public double Samples { get; } = samples;
}
