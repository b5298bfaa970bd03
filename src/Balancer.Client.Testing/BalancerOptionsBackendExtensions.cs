namespace Balancer.Client.Testing;

/// <summary>Points a balanced client at scripted backends.</summary>
public static class BalancerOptionsBackendExtensions
{
    /// <summary>Adds each backend's <see cref="ScriptedBackend.Address"/> as an endpoint.</summary>
    /// <param name="options">The options of the balanced client.</param>
    /// <param name="backends">The backends, such as a <see cref="BackendCluster"/>.</param>
    /// <param name="weight">The weight of every added endpoint.</param>
    /// <returns>The options, for chaining.</returns>
    public static BalancerOptions AddEndpoints(this BalancerOptions options, IEnumerable<ScriptedBackend> backends, int weight = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backends);
        foreach (var backend in backends)
        {
            options.AddEndpoint(backend.Address.ToString(), weight);
        }

        return options;
    }
}
