using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;
using Balancer.Client.Selection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Balancer.Client.Testing.Simulation;

/// <summary>One independent client instance: its own endpoints and statistics, its real feedback tracker and its selector.</summary>
internal sealed class SimulatedClient
{
    public SimulatedClient(int index, int count, IReadOnlyList<SimulatedBackend> backends, SimulationClock clock, SimulationContender contender, SimulationOptions options, double meanInterarrivalTicks, BackendCosts costs, Dictionary<string, int>? indexes)
    {
        Index = index;
        var settings = new ClientStats(clock, options.LatencyDecayTime);
        Endpoints = [.. backends.Select(b => new BalancerEndpoint(b.Address, 1, null, null, new EndpointStats(settings)))];
        Indexes = indexes ?? IndexesOf(Endpoints);
        Tracker = new FeedbackTracker($"simulation-{index}", settings, SimulatedResponses.Metrics, NullLogger.Instance);
        var context = new SimulationClientContext(index, count, Endpoints, clock, SimulationRandom.DeriveInt32(options.Seed, SeedStreams.Selector, index), backends, settings, costs);
        Selector = contender.CreateSelector(context);
        if (Selector is IFeedbackObserver observer)
        {
            // As a balanced client does: a selector that learns from outcomes is subscribed to its tracker.
            Tracker.Observers = [observer];
        }

        Arrivals = new SimulationRandom(SimulationRandom.Derive(options.Seed, SeedStreams.Arrivals, index));
        MeanInterarrivalTicks = meanInterarrivalTicks;
    }

    public int Index { get; }

    /// <summary>The backend index of each endpoint address, the same for every client of a run.</summary>
    public Dictionary<string, int> Indexes { get; }

    public BalancerEndpoint[] Endpoints { get; }

    public FeedbackTracker Tracker { get; }

    public IEndpointSelector Selector { get; }

    public SimulationRandom Arrivals { get; }

    public double MeanInterarrivalTicks { get; }

    /// <summary>Maps each endpoint's address to its position.</summary>
    public static Dictionary<string, int> IndexesOf(IReadOnlyList<BalancerEndpoint> endpoints)
    {
        var indexes = new Dictionary<string, int>(endpoints.Count, StringComparer.Ordinal);
        for (var i = 0; i < endpoints.Count; i++)
        {
            indexes[endpoints[i].Key] = i;
        }

        return indexes;
    }

    /// <summary>Returns the backend index of <paramref name="endpoint"/>, or -1 when it is not one of this client's.</summary>
    /// <remarks>The run's map from address to backend is shared by all clients; the reference check makes sure the endpoint is this client's own.</remarks>
    public int IndexOf(BalancerEndpoint endpoint) =>
        Indexes.TryGetValue(endpoint.Key, out var index) && ReferenceEquals(Endpoints[index], endpoint) ? index : -1;
}
