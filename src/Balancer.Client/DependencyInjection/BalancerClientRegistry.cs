using System.Collections.Concurrent;
using Balancer.Client.Diagnostics;
using Balancer.Client.Feedback;
using Balancer.Client.Runtime;
using Balancer.Client.Selection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Balancer.Client.DependencyInjection;

/// <summary>An observer added to one client with <c>AddFeedbackObserver</c>.</summary>
internal sealed record FeedbackObserverRegistration(string ClientName, Func<IServiceProvider, IFeedbackObserver> Factory);

/// <summary>Creates and owns the state of every balanced client (one per name, for the life of the container).</summary>
internal sealed class BalancerClientRegistry(IServiceProvider services, BalancedClientNames names) : IStartedClients, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<BalancerClientState>> _states = new(StringComparer.Ordinal);

    public bool IsBalanced(string name) => names.Contains(name);

    /// <summary>Whether the client's requests go through the balancing handler (an HTTP client, not a gRPC one).</summary>
    public bool IsBalancedHttp(string name) => names.ContainsHttp(name);

    /// <summary>The runtime of <paramref name="name"/>, starting the client (validating its options) on first use.</summary>
    public ClientRuntime Get(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lazy = _states.GetOrAdd(name, static (n, self) => new Lazy<BalancerClientState>(() => self.Create(n), LazyThreadSafetyMode.ExecutionAndPublication), this);
        try
        {
            return lazy.Value.Runtime;
        }
        catch
        {
            // Invalid options: let the next call validate again (the configuration may have been fixed meanwhile).
            _states.TryRemove(new KeyValuePair<string, Lazy<BalancerClientState>>(name, lazy));
            throw;
        }
    }

    /// <summary>The state of <paramref name="name"/> if that client has started (been used); never starts one.</summary>
    public ClientRuntime? GetStarted(string name) =>
        !_disposed && _states.TryGetValue(name, out var lazy) && lazy.IsValueCreated ? lazy.Value.Runtime : null;

    /// <summary>The states of the clients that have started, in no particular order; never starts one.</summary>
    public IEnumerable<ClientRuntime> GetStarted()
    {
        if (_disposed)
        {
            yield break;
        }

        foreach (var lazy in _states.Values)
        {
            if (lazy.IsValueCreated)
            {
                yield return lazy.Value.Runtime;
            }
        }
    }

    private volatile bool _disposed;

    public void Dispose()
    {
        _disposed = true;
        foreach (var lazy in _states.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }

        _states.Clear();
    }

    private BalancerClientState Create(string name) => new(
        name,
        services.GetRequiredService<IOptionsMonitor<BalancerOptions>>(),
        services.GetRequiredService<EndpointSelectorRegistry>(),
        names,
        services.GetRequiredService<BalancerMetrics>(),
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
        services,
        services.GetServices<FeedbackObserverRegistration>(),
        services.GetRequiredService<EndpointSourceRegistry>());
}
