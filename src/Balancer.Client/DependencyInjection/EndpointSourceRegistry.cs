using Balancer.Client.Endpoints;

namespace Balancer.Client.DependencyInjection;

/// <summary>An endpoint source added to one client through <c>AddEndpointSource</c>.</summary>
internal sealed record EndpointSourceRegistration(string ClientName, Func<IServiceProvider, IEndpointSource> Factory);

/// <summary>The endpoint sources of every client, in registration order.</summary>
internal sealed class EndpointSourceRegistry(IEnumerable<EndpointSourceRegistration> registrations)
{
    private readonly ILookup<string, EndpointSourceRegistration> _byClient = registrations.ToLookup(r => r.ClientName, StringComparer.Ordinal);

    public bool HasSources(string clientName) => _byClient.Contains(clientName);

    public IEnumerable<EndpointSourceRegistration> For(string clientName) => _byClient[clientName];
}
