namespace Balancer.Client.Endpoints;

/// <summary>
/// Endpoints recently removed from a client's set, with the state they carry (statistics and health), so that an endpoint
/// that comes back soon (DNS flapping, a missed registry heartbeat, a subset recut) comes back as it left: still
/// ejected or failing its checks if it was, with its latency and failure history, instead of as a new endpoint. An
/// entry lasts until the time <c>keepUntil</c> gives when the endpoint is removed; expired entries are dropped at the
/// next update, and at most <see cref="Capacity"/> are kept, so churn cannot grow memory without bound.
/// </summary>
/// <remarks>Not thread-safe: used only under the client's apply lock, never on the request path.</remarks>
internal sealed class RemovedEndpoints(Func<BalancerEndpoint, long, long> keepUntil, int capacity = RemovedEndpoints.DefaultCapacity)
{
    public const int DefaultCapacity = 1024;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Capacity => capacity;

    /// <summary>The entries kept now (expired ones included until the next <see cref="Expire"/>).</summary>
    public int Count => _entries.Count;

    /// <summary>Keeps <paramref name="endpoint"/> and its state; nothing when full (the endpoint would come back new).</summary>
    public void Add(BalancerEndpoint endpoint, long now)
    {
        var until = keepUntil(endpoint, now);
        if (until > now && (_entries.Count < capacity || _entries.ContainsKey(endpoint.Key)))
        {
            _entries[endpoint.Key] = new Entry(endpoint, until);
        }
    }

    /// <summary>
    /// The endpoint kept for <paramref name="key"/>, removed from the store, whose statistics and health the endpoint
    /// that comes back takes over; <see langword="null"/> when none or expired.
    /// </summary>
    public BalancerEndpoint? Take(string key, long now) =>
        _entries.Remove(key, out var entry) && now < entry.Until ? entry.Endpoint : null;

    /// <summary>Drops the entries whose time is over.</summary>
    public void Expire(long now)
    {
        if (_entries.Count == 0)
        {
            return;
        }

        List<string>? expired = null;
        foreach (var (key, entry) in _entries)
        {
            if (now >= entry.Until)
            {
                (expired ??= []).Add(key);
            }
        }

        expired?.ForEach(key => _entries.Remove(key));
    }

    private readonly record struct Entry(BalancerEndpoint Endpoint, long Until);
}
