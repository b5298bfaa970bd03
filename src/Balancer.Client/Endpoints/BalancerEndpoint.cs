using System.Collections.Frozen;
using Balancer.Client.Feedback;
using Balancer.Client.Health;

namespace Balancer.Client.Endpoints;

/// <summary>
/// One endpoint of a balanced service: an absolute <c>http</c> or <c>https</c> address with a relative weight,
/// an optional zone, free-form metadata and the live statistics the feedback tracker keeps for it.
/// </summary>
/// <remarks>
/// Instances are immutable except for <see cref="Stats"/> (and the health state kept beside it). The identity of an
/// endpoint is its normalized <see cref="Address"/>: when the endpoint set is reloaded, an endpoint whose address
/// stays keeps its statistics and its health.
/// </remarks>
public sealed class BalancerEndpoint
{
    private static readonly IReadOnlyDictionary<string, string> s_emptyMetadata =
        FrozenDictionary<string, string>.Empty;

    /// <summary>Initializes a new endpoint.</summary>
    /// <param name="address">An absolute <c>http</c> or <c>https</c> URI, optionally with a base path.</param>
    /// <param name="weight">The relative weight, from <see cref="MinWeight"/> to <see cref="MaxWeight"/>.</param>
    /// <param name="zone">The zone (or region, rack) the endpoint runs in, if known.</param>
    /// <param name="metadata">Free-form string metadata, copied.</param>
    /// <param name="priority">The priority tier, 0 (most preferred) or more.</param>
    /// <exception cref="ArgumentException">The address, the weight or the priority is not valid.</exception>
    public BalancerEndpoint(Uri address, int weight = 1, string? zone = null, IReadOnlyDictionary<string, string>? metadata = null, int priority = 0)
        : this(address, weight, zone, metadata, stats: null, priority)
    {
    }

    internal BalancerEndpoint(Uri address, int weight, string? zone, IReadOnlyDictionary<string, string>? metadata, EndpointStats? stats, int priority = 0, EndpointHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!EndpointAddress.TryNormalize(address, out var normalized, out var error))
        {
            throw new ArgumentException(error, nameof(address));
        }

        if (weight is < MinWeight or > MaxWeight)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"Weight must be between {MinWeight} and {MaxWeight}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        Address = normalized;
        Priority = priority;
        Key = normalized.AbsoluteUri;
        Weight = weight;
        InverseWeight = 1.0 / weight;
        Zone = string.IsNullOrWhiteSpace(zone) ? null : zone;
        Metadata = metadata is null || metadata.Count == 0 ? s_emptyMetadata : metadata.ToFrozenDictionary(StringComparer.Ordinal);
        Stats = stats ?? new EndpointStats();
        Health = health ?? new EndpointHealth();
        Scheme = normalized.Scheme;
        Host = normalized.Host;
        Port = normalized.Port;
        BasePath = normalized.AbsolutePath.TrimEnd('/');
        Authority = normalized.IsDefaultPort ? normalized.Host : $"{normalized.Host}:{normalized.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        PortTag = normalized.Port;
        UriPrefix = string.Concat(Scheme, "://", Authority, BasePath);
    }

    private Uri? _lastRequestUri;

    /// <summary>Gets the priority tier: 0 is the most preferred (see <see cref="BalancerEndpointOptions.Priority"/>).</summary>
    public int Priority { get; }

    /// <summary>The smallest weight an endpoint may have.</summary>
    public const int MinWeight = 1;

    /// <summary>The largest weight an endpoint may have.</summary>
    public const int MaxWeight = 100;

    /// <summary>Gets the normalized absolute address (scheme, host, port and optional base path ending in <c>/</c>).</summary>
    public Uri Address { get; }

    /// <summary>Gets the relative weight. An endpoint of weight 2 gets twice the share of an endpoint of weight 1.</summary>
    /// <value>The default value is 1.</value>
    public int Weight { get; }

    /// <summary>Gets 1 ÷ <see cref="Weight"/>, so that a selector's cost per unit of weight is a multiplication.</summary>
    internal double InverseWeight { get; }

    /// <summary>Gets the zone the endpoint runs in, or <see langword="null"/> when unknown.</summary>
    public string? Zone { get; }

    /// <summary>Gets free-form metadata attached to the endpoint (never <see langword="null"/>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Gets the live statistics that the feedback tracker keeps for this endpoint.</summary>
    public EndpointStats Stats { get; }

    /// <summary>The health state (ejection, cool-down, active checks, unreachable, slow start), which travels with the endpoint as its statistics do.</summary>
    internal EndpointHealth Health { get; }

    /// <summary>The identity of the endpoint: its normalized absolute URI.</summary>
    internal string Key { get; }

    internal string Scheme { get; }

    internal string Host { get; }

    internal int Port { get; }

    /// <summary>The port, boxed once, for telemetry tags (OpenTelemetry's <c>server.port</c> is an integer).</summary>
    internal object PortTag { get; }

    /// <summary>The base path without a trailing slash; empty when the address has none.</summary>
    internal string BasePath { get; }

    /// <summary>Host and, unless default for the scheme, port.</summary>
    internal string Authority { get; }

    /// <summary>Scheme, authority and base path: what a request URI to this endpoint starts with.</summary>
    internal string UriPrefix { get; }

    /// <summary>
    /// The URI of a request to this endpoint: <see cref="UriPrefix"/> followed by <paramref name="pathAndQuery"/>. The
    /// last URI built is reused when the same path and query come again (a client calling the same resource, a health
    /// path), so that repeating a call neither parses nor allocates a URI; a <see cref="Uri"/> is immutable, so sharing
    /// it between requests is safe. A miss costs what building the URI costs, and nothing more.
    /// </summary>
    internal Uri RequestUri(string pathAndQuery)
    {
        var last = Volatile.Read(ref _lastRequestUri);
        if (last is not null)
        {
            var text = last.OriginalString;
            if (text.Length == UriPrefix.Length + pathAndQuery.Length && text.AsSpan(UriPrefix.Length).SequenceEqual(pathAndQuery))
            {
                return last;
            }
        }

        var built = new Uri(UriPrefix + pathAndQuery, UriKind.Absolute);
        Volatile.Write(ref _lastRequestUri, built);
        return built;
    }

    /// <summary>
    /// Whether <paramref name="other"/> is this endpoint: the same instance, or the same address (an endpoint re-created
    /// by a reload with a new weight is the same endpoint). The rule by which tried endpoints are left out.
    /// </summary>
    internal bool IsSameEndpoint(BalancerEndpoint other) =>
        ReferenceEquals(this, other) || string.Equals(Key, other.Key, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="endpoint"/> is one of <paramref name="endpoints"/> by <see cref="IsSameEndpoint"/> (a linear scan, for short lists such as the tried endpoints).</summary>
    internal static bool IsAmong(IReadOnlyList<BalancerEndpoint> endpoints, BalancerEndpoint endpoint)
    {
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (endpoints[i].IsSameEndpoint(endpoint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns a copy with other settings that shares this endpoint's statistics and health.</summary>
    internal BalancerEndpoint WithSettings(int weight, string? zone, IReadOnlyDictionary<string, string>? metadata, int priority) =>
        new(Address, weight, zone, metadata, Stats, priority, Health);

    /// <summary>Whether the settings other than the address equal the given ones.</summary>
    internal bool HasSettings(int weight, string? zone, IReadOnlyDictionary<string, string>? metadata, int priority)
    {
        if (weight != Weight || priority != Priority || !string.Equals(string.IsNullOrWhiteSpace(zone) ? null : zone, Zone, StringComparison.Ordinal))
        {
            return false;
        }

        var other = metadata ?? s_emptyMetadata;
        if (other.Count != Metadata.Count)
        {
            return false;
        }

        foreach (var pair in other)
        {
            if (!Metadata.TryGetValue(pair.Key, out var value) || !string.Equals(value, pair.Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => Weight == 1 ? Key : $"{Key} (weight {Weight})";
}
