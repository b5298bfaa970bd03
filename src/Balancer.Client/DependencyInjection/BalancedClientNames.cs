using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Balancer.Client.DependencyInjection;

/// <summary>Marks a named HttpClient as balanced.</summary>
/// <summary>Marks a client name as balanced. <paramref name="Http"/> is false for a client whose calls another transport balances (gRPC's channel): the balancing handler stays out of its chain.</summary>
internal sealed record BalancedClientMarker(string Name, bool Http = true);

/// <summary>The names of the balanced clients, and which of them have started.</summary>
internal sealed class BalancedClientNames(IEnumerable<BalancedClientMarker> markers)
{
    private readonly FrozenSet<string> _names = markers.Select(m => m.Name).ToFrozenSet(StringComparer.Ordinal);
    private readonly FrozenSet<string> _http = markers.Where(m => m.Http).Select(m => m.Name).ToFrozenSet(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _started = new(StringComparer.Ordinal);

    public bool Contains(string name) => _names.Contains(name);

    /// <summary>Whether the client's HTTP requests go through the balancing handler (not a gRPC client).</summary>
    public bool ContainsHttp(string name) => _http.Contains(name);

    public bool HasStarted(string name) => _started.ContainsKey(name);

    public void MarkStarted(string name) => _started[name] = true;
}
