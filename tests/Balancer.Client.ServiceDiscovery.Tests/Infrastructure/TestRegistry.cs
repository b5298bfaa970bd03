using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Tests.Infrastructure;

/// <summary>The zone a registry knows for an instance, carried as a feature of its endpoint.</summary>
internal sealed record ZoneFeature(string Zone);

/// <summary>
/// An endpoint provider an application registers for its own registry: it answers for one service name, signals
/// each change through a change token, and can be made to fail.
/// </summary>
internal sealed class TestRegistry(string serviceName) : IServiceEndpointProviderFactory, IServiceEndpointProvider
{
    private readonly object _lock = new();
    private List<ServiceEndpoint> _endpoints = [];
    private CancellationTokenSource _changed = new();
    private Exception? _failure;
    private int _populations;

    public int Populations => Volatile.Read(ref _populations);

    public void Set(params ServiceEndpoint[] endpoints) => Change([.. endpoints], null);

    public void Fail(Exception failure) => Change(_endpoints, failure);

    public static ServiceEndpoint Instance(ScriptedBackend backend, string? zone = null)
    {
        var features = new FeatureCollection();
        if (zone is not null)
        {
            features.Set(new ZoneFeature(zone));
        }

        return ServiceEndpoint.Create(new IPEndPoint(IPAddress.Loopback, backend.Port), features);
    }

    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        provider = string.Equals(query.ServiceName, serviceName, StringComparison.OrdinalIgnoreCase) ? this : null;
        return provider is not null;
    }

    public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _populations);
        lock (_lock)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            endpoints.AddChangeToken(new CancellationChangeToken(_changed.Token));
            foreach (var endpoint in _endpoints)
            {
                endpoints.Endpoints.Add(endpoint);
            }
        }

        return default;
    }

    public ValueTask DisposeAsync() => default; // One instance serves every watcher the resolver creates.

    public override string ToString() => "test-registry";

    private void Change(List<ServiceEndpoint> endpoints, Exception? failure)
    {
        CancellationTokenSource previous;
        lock (_lock)
        {
            _endpoints = endpoints;
            _failure = failure;
            previous = _changed;
            _changed = new CancellationTokenSource();
        }

        previous.Cancel();
    }
}
