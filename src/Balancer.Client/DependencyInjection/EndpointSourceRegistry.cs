using Balancer.Client.Endpoints;

namespace Balancer.Client.DependencyInjection;

/// <summary>An endpoint source added to one client through <c>AddEndpointSource</c>.</summary>
internal sealed record EndpointSourceRegistration(string ClientName, Func<IServiceProvider, IEndpointSource> Factory);

/// <summary>An endpoint subsetter set for one client through <c>UseEndpointSubsetter</c>.</summary>
internal sealed record EndpointSubsetterRegistration(string ClientName, Func<IServiceProvider, IEndpointSubsetter> Factory);

/// <summary>The endpoint sources of every client, in registration order, and the subsetter of each (the last set wins).</summary>
internal sealed class EndpointSourceRegistry(IEnumerable<EndpointSourceRegistration> registrations, IEnumerable<EndpointSubsetterRegistration> subsetters)
{
    private readonly ILookup<string, EndpointSourceRegistration> _byClient = registrations.ToLookup(r => r.ClientName, StringComparer.Ordinal);
    private readonly Dictionary<string, EndpointSubsetterRegistration> _subsetters = subsetters
        .GroupBy(s => s.ClientName, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public bool HasSources(string clientName) => _byClient.Contains(clientName);

    public bool HasSubsetter(string clientName) => _subsetters.ContainsKey(clientName);

    /// <summary>Creates the subsetter of the client, or returns <see langword="null"/> when it has none.</summary>
    public IEndpointSubsetter? CreateSubsetter(string clientName, IServiceProvider services) =>
        _subsetters.TryGetValue(clientName, out var registration)
            ? registration.Factory(services) ?? throw new InvalidOperationException($"Balancer client '{clientName}': the endpoint subsetter factory returned null.")
            : null;

    public IEnumerable<EndpointSourceRegistration> For(string clientName) => _byClient[clientName];
}
