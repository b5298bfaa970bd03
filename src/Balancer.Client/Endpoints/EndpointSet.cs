namespace Balancer.Client.Endpoints;

/// <summary>
/// An immutable snapshot of the endpoints of one client. A new snapshot replaces the old one atomically;
/// requests in flight keep using the endpoint they were given.
/// </summary>
internal sealed class EndpointSet
{
    public static readonly EndpointSet Empty = new([], 0);

    public EndpointSet(BalancerEndpoint[] endpoints, long version)
    {
        Endpoints = endpoints;
        Version = version;
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Priority != endpoints[0].Priority)
            {
                HasPriorityTiers = true;
                break;
            }
        }
    }

    /// <summary>Whether the endpoints are in more than one priority tier.</summary>
    public bool HasPriorityTiers { get; }

    /// <summary>The endpoints; the same array instance for the life of the snapshot, so selectors can cache per snapshot.</summary>
    public BalancerEndpoint[] Endpoints { get; }

    public long Version { get; }

    /// <summary>
    /// Builds the next snapshot from the desired endpoints: an endpoint whose address is already present keeps its
    /// statistics and health (and its instance when nothing else changed); endpoints not desired any more are dropped,
    /// into <paramref name="removedEndpoints"/> when given, from which an address that comes back takes its statistics
    /// and health again. A new endpoint gets its statistics from <paramref name="newStats"/>: the feedback side makes
    /// them, the set only carries them.
    /// </summary>
    public EndpointSet Update(IReadOnlyList<EndpointDefinition> desired, Func<Feedback.EndpointStats> newStats, long now, out int added, out int removed, RemovedEndpoints? removedEndpoints = null)
    {
        removedEndpoints?.Expire(now);
        var current = new Dictionary<string, BalancerEndpoint>(Endpoints.Length, StringComparer.Ordinal);
        foreach (var endpoint in Endpoints)
        {
            current[endpoint.Key] = endpoint;
        }

        var next = new BalancerEndpoint[desired.Count];
        added = 0;
        for (var i = 0; i < desired.Count; i++)
        {
            var d = desired[i];
            if (current.Remove(d.Address.AbsoluteUri, out var existing))
            {
                next[i] = existing.HasSettings(d.Weight, d.Zone, d.Metadata, d.Priority) ? existing : existing.WithSettings(d.Weight, d.Zone, d.Metadata, d.Priority);
            }
            else
            {
                var kept = removedEndpoints?.Take(d.Address.AbsoluteUri, now);
                next[i] = new BalancerEndpoint(d.Address, d.Weight, d.Zone, d.Metadata, kept?.Stats ?? newStats(), d.Priority, kept?.Health);
                added++;
            }
        }

        removed = current.Count;
        if (removedEndpoints is not null)
        {
            foreach (var gone in current.Values)
            {
                removedEndpoints.Add(gone, now);
            }
        }

        return new EndpointSet(next, Version + 1);
    }
}

/// <summary>A validated endpoint description (address normalized).</summary>
internal readonly record struct EndpointDefinition(Uri Address, int Weight, string? Zone, IReadOnlyDictionary<string, string>? Metadata, int Priority = 0);
