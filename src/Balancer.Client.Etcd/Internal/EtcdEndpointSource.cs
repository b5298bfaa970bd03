using System.Text;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Publishes the instances registered under a key prefix, followed by an <see cref="EtcdPrefixFollower"/> (a read,
/// then a watch from the next revision, so no change is lost); an invalid or refused value is logged with its key.
/// </summary>
internal sealed class EtcdEndpointSource : IEndpointSource, IDisposable
{
    private readonly string _clientName;
    private readonly ILogger _logger;
    private readonly EtcdPrefixFollower _follower;
    private readonly string _prefix;
    private readonly string _scheme;
    private readonly HttpClient? _ownedClient;

    // Used by one RunAsync at a time (the client starts a source again only after its previous run ended).
    private Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);

    /// <summary>A source that calls etcd through <paramref name="http"/>, or through a client of its own when the options name certificates.</summary>
    public EtcdEndpointSource(string clientName, EtcdEndpointSourceOptions options, Func<HttpClient> http, ILogger logger)
    {
        _clientName = clientName;
        _logger = logger;
        _ownedClient = EtcdTransport.HasCertificates(options) ? EtcdTransport.CreateClient(options) : null;
        var gateway = new EtcdGateway(_ownedClient ?? http(), options.Endpoints, options.RequestTimeout, options.Username, options.Password);
        _prefix = options.Prefix!;
        _scheme = string.Equals(options.Scheme, "https", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        _follower = new EtcdPrefixFollower(gateway, _prefix, clientName, logger, options.RetryDelay, options.MaxRetryDelay);
    }

    public Task RunAsync(IEndpointPublisher publisher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return _follower.RunAsync(values => Publish(publisher, values), publisher.ReportError, publisher.TimeProvider, cancellationToken);
    }

    public override string ToString() => "etcd:" + _prefix;

    public void Dispose() => _ownedClient?.Dispose();


    private void Publish(IEndpointPublisher publisher, IReadOnlyDictionary<string, byte[]> values)
    {
        var next = new Dictionary<string, Instance>(values.Count, StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            next[key] = Parse(publisher, key, value);
        }

        _instances = next;
        publisher.Publish([.. _instances.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => i.Value.Endpoint).OfType<BalancerEndpointOptions>()]);
    }

    private Instance Parse(IEndpointPublisher publisher, string key, byte[] value)
    {
        if (_instances.TryGetValue(key, out var known) && known.Value.AsSpan().SequenceEqual(value))
        {
            return known; // unchanged: parsed (and, when invalid, logged) already
        }

        if (!EtcdValueParser.TryParse(value, out var endpoint, out var problem, _scheme))
        {
            Log.InvalidValue(_logger, _clientName, key, EtcdKeys.Quote(value), problem);
            return new Instance(value, null);
        }

        if (publisher.CheckAddress(endpoint.Address!) is { } refused)
        {
            Log.RefusedValue(_logger, _clientName, key, EtcdKeys.Quote(value), refused);
            return new Instance(value, null);
        }

        return new Instance(value, endpoint);
    }

    /// <summary>The value of one key, and the endpoint it describes (<see langword="null"/> when invalid).</summary>
    private sealed record Instance(byte[] Value, BalancerEndpointOptions? Endpoint);
}
