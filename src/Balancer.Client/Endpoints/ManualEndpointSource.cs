namespace Balancer.Client.Endpoints;

/// <summary>
/// An endpoint source the application sets itself, for endpoints it learns by its own means (a message, an admin call,
/// a custom registry client). Every <see cref="SetEndpoints(IEnumerable{BalancerEndpointOptions})"/> replaces the set of
/// every client the source was added to; a set made before a client starts is published when it does.
/// </summary>
/// <example>
/// <code>
/// var source = new ManualEndpointSource();
/// services.AddBalancedHttpClient("catalog").AddEndpointSource(_ => source);
/// source.SetAddresses("http://10.0.0.5:8080", "http://10.0.0.6:8080");
/// </code>
/// </example>
public sealed class ManualEndpointSource : IEndpointSource
{
    private readonly object _lock = new();
    private readonly List<IEndpointPublisher> _publishers = [];
    private BalancerEndpointOptions[]? _endpoints;

    /// <summary>Replaces the endpoints.</summary>
    /// <param name="endpoints">Every endpoint, as in options.</param>
    public void SetEndpoints(IEnumerable<BalancerEndpointOptions> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        BalancerEndpointOptions[] copy = [.. endpoints];

        // Published under the lock, so a client starting meanwhile never publishes an older set after this one.
        lock (_lock)
        {
            _endpoints = copy;
            foreach (var publisher in _publishers)
            {
                publisher.Publish(copy);
            }
        }
    }

    /// <summary>Replaces the endpoints with these addresses, each of weight 1.</summary>
    /// <param name="addresses">Absolute <c>http</c> or <c>https</c> addresses.</param>
    public void SetAddresses(params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        SetEndpoints(addresses.Select(a => new BalancerEndpointOptions { Address = a }));
    }

    /// <summary>Reports a failed refresh to every client (logged; the last good set stays).</summary>
    /// <param name="exception">What went wrong.</param>
    public void ReportError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        IEndpointPublisher[] publishers;
        lock (_lock)
        {
            publishers = [.. _publishers];
        }

        foreach (var publisher in publishers)
        {
            publisher.ReportError(exception);
        }
    }

    /// <inheritdoc/>
    public async Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        lock (_lock)
        {
            _publishers.Add(publisher);
            if (_endpoints is not null)
            {
                publisher.Publish(_endpoints);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _publishers.Remove(publisher);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => "manual";
}
