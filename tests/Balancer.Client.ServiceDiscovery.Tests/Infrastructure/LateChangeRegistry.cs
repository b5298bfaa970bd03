using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;

namespace Balancer.Client.ServiceDiscovery.Tests.Infrastructure;

/// <summary>
/// A provider whose first answer changes after it was resolved and before the balancer registers for its change, and
/// whose change token, as <see cref="IChangeToken"/> allows, does not call back for a change that came before a
/// registration: only <see cref="IChangeToken.HasChanged"/> tells. Later answers never change.
/// </summary>
internal sealed class LateChangeRegistry(string serviceName, ServiceEndpoint first, ServiceEndpoint second) : IServiceEndpointProviderFactory, IServiceEndpointProvider
{
    private readonly LateChangeToken _token = new();
    private readonly ServiceEndpoint _first = first;
    private volatile ServiceEndpoint _current = first;

    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        provider = string.Equals(query.ServiceName, serviceName, StringComparison.OrdinalIgnoreCase) ? this : null;
        return provider is not null;
    }

    public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        var current = _current;
        endpoints.Endpoints.Add(current);
        endpoints.AddChangeToken(current == _first ? _token.Arm(() => _current = second) : new CancellationChangeToken(CancellationToken.None));
        return default;
    }

    public ValueTask DisposeAsync() => default;

    private sealed class LateChangeToken : IChangeToken
    {
        private Action? _onFirstRegistration;
        private int _registrations;
        private volatile bool _changed;

        public bool HasChanged => _changed;

        public bool ActiveChangeCallbacks => true;

        public LateChangeToken Arm(Action change)
        {
            _onFirstRegistration = change;
            return this;
        }

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state)
        {
            // The resolver registers first (through the token it builds), before it hands the endpoints to the
            // balancer: the change lands then, and no callback ever comes.
            if (Interlocked.Increment(ref _registrations) == 1)
            {
                _onFirstRegistration?.Invoke();
                _changed = true;
            }

            return NoRegistration.Instance;
        }
    }

    private sealed class NoRegistration : IDisposable
    {
        public static readonly NoRegistration Instance = new();

        public void Dispose()
        {
        }
    }
}
