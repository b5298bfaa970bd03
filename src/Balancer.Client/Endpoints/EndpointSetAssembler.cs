using Balancer.Client.Feedback;

namespace Balancer.Client.Endpoints;

/// <summary>
/// Assembles the endpoint set of one client: the endpoints of its options and of its sources, merged (the first
/// occurrence of an address wins), cut to the instance's subset, then compared with the current set, so that a refresh
/// that changed nothing, or only the order, publishes nothing. It also holds what the client accepts from its sources
/// (<see cref="AddressPolicy"/>, <see cref="AcceptEmptyFromSources"/>).
/// </summary>
/// <remarks>
/// <see cref="Configure"/> and <see cref="Next"/> run under the client's apply lock only, never on the request path;
/// the properties are read by source runners on their own threads, so they read one immutable snapshot.
/// </remarks>
internal sealed class EndpointSetAssembler(Func<EndpointStats> newStats, TimeProvider timeProvider, RemovedEndpoints removedEndpoints)
{
    private Configuration _configuration = new([], new SubsettingOptions(), DiscoveredAddressPolicy.AllowAll, new EndpointSourceOptions());

    /// <summary>Which addresses the client accepts from its endpoint sources.</summary>
    public DiscoveredAddressPolicy AddressPolicy => Volatile.Read(ref _configuration).AddressPolicy;

    /// <summary>Whether an empty publication of a source empties its endpoints (instead of keeping the last good set).</summary>
    public bool AcceptEmptyFromSources => Volatile.Read(ref _configuration).Sources.AcceptEmpty;

    /// <summary>How long the first requests wait for the sources' first endpoints.</summary>
    public TimeSpan InitialTimeout => Volatile.Read(ref _configuration).Sources.InitialTimeout;

    /// <summary>
    /// The subsetter that chooses this instance's endpoints and their shares instead of <see cref="SubsettingOptions"/>,
    /// or <see langword="null"/>; set once, before the first set is assembled.
    /// </summary>
    public IEndpointSubsetter? Subsetter { get; set; }

    /// <summary>Takes the validated endpoints of the options, the subsetting and the source rules of a (re)load.</summary>
    public void Configure(List<EndpointDefinition> definitions, SubsettingOptions subsetting, EndpointSourceOptions sources) =>
        Volatile.Write(ref _configuration, new Configuration(definitions, subsetting, DiscoveredAddressPolicy.Create(sources, definitions), sources));

    /// <summary>
    /// The set that follows <paramref name="current"/> given what each source last published (<see langword="null"/>
    /// for a source that has published nothing good yet); <see langword="null"/> when it would hold the same endpoints.
    /// </summary>
    public EndpointSet? Next(EndpointSet current, IEnumerable<IReadOnlyList<EndpointDefinition>?> published, out int added, out int removed)
    {
        var configuration = Volatile.Read(ref _configuration);
        var definitions = configuration.Definitions;
        List<EndpointDefinition>? merged = null;
        HashSet<string>? seen = null;
        foreach (var source in published)
        {
            foreach (var definition in source ?? [])
            {
                merged ??= new List<EndpointDefinition>(definitions);
                seen ??= new HashSet<string>(definitions.Select(d => d.Address.AbsoluteUri), StringComparer.Ordinal);
                if (seen.Add(definition.Address.AbsoluteUri))
                {
                    merged.Add(definition);
                }
            }
        }

        // Subsetting applies to the merged set, so every instance sees the same N whatever the sources.
        var desired = Subsetter is { } subsetter
            ? ApplyShares(merged ?? definitions, subsetter)
            : DeterministicSubsetting.Apply(merged ?? definitions, configuration.Subsetting);
        if (current.Version > 0 && SameEndpoints(current, desired))
        {
            added = 0;
            removed = 0;
            return null;
        }

        return current.Update(desired, newStats, timeProvider.GetTimestamp(), out added, out removed, removedEndpoints);
    }

    /// <summary>
    /// The endpoints <paramref name="subsetter"/> gives a share, each with weight × share scaled so that the largest is
    /// <see cref="BalancerEndpoint.MaxWeight"/> (at least <see cref="BalancerEndpoint.MinWeight"/>); every endpoint,
    /// unchanged, when it gives none a share or throws: a subsetter never leaves the client without endpoints.
    /// </summary>
    internal static List<EndpointDefinition> ApplyShares(List<EndpointDefinition> definitions, IEndpointSubsetter subsetter)
    {
        if (definitions.Count == 0)
        {
            return definitions;
        }

        var shares = new double[definitions.Count];
        try
        {
            subsetter.Assign(definitions.ConvertAll(d => d.Address), shares);
        }
#pragma warning disable CA1031 // A broken subsetter must not stop endpoint updates: every endpoint is used, as documented.
        catch (Exception)
#pragma warning restore CA1031
        {
            return definitions;
        }

        double largest = 0;
        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] = double.IsFinite(shares[i]) && shares[i] > 0 ? Math.Min(shares[i], 1) * definitions[i].Weight : 0;
            largest = Math.Max(largest, shares[i]);
        }

        if (largest <= 0)
        {
            return definitions;
        }

        var subset = new List<EndpointDefinition>(definitions.Count);
        for (var i = 0; i < shares.Length; i++)
        {
            if (shares[i] > 0)
            {
                var weight = (int)Math.Clamp(Math.Round(shares[i] / largest * BalancerEndpoint.MaxWeight), BalancerEndpoint.MinWeight, BalancerEndpoint.MaxWeight);
                subset.Add(definitions[i] with { Weight = weight });
            }
        }

        return subset;
    }

    /// <summary>
    /// Whether <paramref name="set"/> already holds exactly <paramref name="definitions"/>, in any order: a refresh that
    /// changed nothing, or only the order (DNS round robin rotates its answers), is not a change.
    /// </summary>
    internal static bool SameEndpoints(EndpointSet set, List<EndpointDefinition> definitions)
    {
        var endpoints = set.Endpoints;
        if (endpoints.Length != definitions.Count)
        {
            return false;
        }

        Dictionary<string, BalancerEndpoint>? byKey = null;
        HashSet<string>? matched = null;
        for (var i = 0; i < endpoints.Length; i++)
        {
            var d = definitions[i];
            var key = d.Address.AbsoluteUri;
            var endpoint = endpoints[i];
            if (byKey is not null || !string.Equals(endpoint.Key, key, StringComparison.Ordinal))
            {
                // Another order: compare as sets from here on (each address once).
                byKey ??= endpoints.ToDictionary(e => e.Key, StringComparer.Ordinal);
                matched ??= new HashSet<string>(definitions.Take(i).Select(p => p.Address.AbsoluteUri), StringComparer.Ordinal);
                if (!byKey.TryGetValue(key, out endpoint!) || !matched.Add(key))
                {
                    return false;
                }
            }

            if (!endpoint.HasSettings(d.Weight, d.Zone, d.Metadata, d.Priority))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Configuration(List<EndpointDefinition> Definitions, SubsettingOptions Subsetting, DiscoveredAddressPolicy AddressPolicy, EndpointSourceOptions Sources);
}
