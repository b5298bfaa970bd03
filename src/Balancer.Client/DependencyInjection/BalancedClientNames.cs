using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Balancer.Client.DependencyInjection;

/// <summary>Marks a named HttpClient as balanced.</summary>
internal sealed record BalancedClientMarker(string Name);

/// <summary>The names of the balanced clients, and which of them have started.</summary>
internal sealed class BalancedClientNames(IEnumerable<BalancedClientMarker> markers)
{
    private readonly FrozenSet<string> _names = markers.Select(m => m.Name).ToFrozenSet(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _started = new(StringComparer.Ordinal);

    public bool Contains(string name) => _names.Contains(name);

    public bool HasStarted(string name) => _started.ContainsKey(name);

    public void MarkStarted(string name) => _started[name] = true;
}
