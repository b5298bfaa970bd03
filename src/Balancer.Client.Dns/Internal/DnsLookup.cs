using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Balancer.Client.Dns;

/// <summary>
/// One lookup of a DNS source: the SRV records and their targets' addresses (from the answer's additional section, or
/// A/AAAA queries for the targets it lacks), or a host name's addresses. Error answers and timeouts throw; a name with
/// no record gives an empty answer.
/// </summary>
internal sealed class DnsLookup(IDnsQuery client, DnsEndpointQuery query, DnsEndpointOptions options)
{
    private readonly string _scheme = string.Equals(options.Scheme, "https", StringComparison.OrdinalIgnoreCase) ? "https" : "http";

    public Task<DnsAnswer> ResolveAsync(CancellationToken cancellationToken) =>
        query.IsSrv ? ResolveSrvAsync(cancellationToken) : ResolveHostAsync(cancellationToken);

    /// <summary>The address of an endpoint, such as <c>http://10.0.0.5:8080/</c> or <c>https://[fd00::5]:8443/</c>.</summary>
    public static string FormatAddress(string scheme, string host, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{port}/");

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    private async Task<DnsAnswer> ResolveHostAsync(CancellationToken cancellationToken)
    {
        var answer = await ResolveAddressesAsync(query.Name, cancellationToken).ConfigureAwait(false);
        if (!answer.NameExists)
        {
            throw new DnsResponseException(DnsResponseCode.NotExistentDomain, $"DNS lookup of '{query.Name}' failed: NXDOMAIN (the name does not exist).");
        }

        var endpoints = answer.Addresses
            .Select(a => new BalancerEndpointOptions
            {
                Address = FormatAddress(_scheme, FormatHost(a), query.Port),
                Metadata = { [DnsEndpointMetadata.HostName] = query.Name },
            })
            .ToList();
        return new DnsAnswer(endpoints, answer.TtlSeconds, []);
    }

    private async Task<DnsAnswer> ResolveSrvAsync(CancellationToken cancellationToken)
    {
        var response = await client.QueryAsync(query.Name, QueryType.SRV, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        ThrowIfError(response, query.Name, QueryType.SRV);

        // RFC 2782: a target of "." means the service is decidedly not available at this name.
        var records = response.Answers.SrvRecords()
            .Select(r => (Record: r, Host: HostName(r.Target)))
            .Where(r => r.Host.Length > 0)
            .OrderBy(r => r.Record.Priority)
            .ToList();
        if (records.Count == 0)
        {
            return new DnsAnswer([], 0, []);
        }

        var ttl = records.Min(r => r.Record.TimeToLive);
        var weights = SrvWeights.ToEndpointWeights([.. records.Select(r => ((int)r.Record.Priority, (int)r.Record.Weight))]);
        var addresses = options.UseTargetHostNames
            ? null
            : await ResolveTargetsAsync(records.Select(r => r.Host), response.Additionals, cancellationToken).ConfigureAwait(false);

        var endpoints = new List<BalancerEndpointOptions>(records.Count);
        var unresolved = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            var (record, host) = records[i];
            IEnumerable<string> hosts;
            if (addresses is null)
            {
                hosts = [host];
            }
            else
            {
                var target = addresses[host];
                if (target.Addresses.Count == 0)
                {
                    if (!unresolved.Contains(host, StringComparer.OrdinalIgnoreCase))
                    {
                        unresolved.Add(host);
                    }

                    continue;
                }

                ttl = Math.Min(ttl, target.TtlSeconds);
                hosts = target.Addresses.Select(FormatHost);
            }

            foreach (var endpointHost in hosts)
            {
                // An address listed twice (two records for one target) keeps its first, most preferred record.
                var address = FormatAddress(_scheme, endpointHost, record.Port);
                if (!seen.Add(address))
                {
                    continue;
                }

                endpoints.Add(new BalancerEndpointOptions
                {
                    Address = address,
                    Weight = weights[i],
                    Priority = record.Priority,
                    Metadata =
                    {
                        [DnsEndpointMetadata.HostName] = host,
                        [DnsEndpointMetadata.SrvWeight] = record.Weight.ToString(CultureInfo.InvariantCulture),
                        [DnsEndpointMetadata.SrvPriority] = record.Priority.ToString(CultureInfo.InvariantCulture),
                    },
                });
            }
        }

        return new DnsAnswer(endpoints, ttl, unresolved);
    }

    /// <summary>The addresses of each target: from the additional section when it has them, otherwise looked up (concurrently).</summary>
    private async Task<Dictionary<string, AddressAnswer>> ResolveTargetsAsync(IEnumerable<string> targets, IReadOnlyList<DnsResourceRecord> additionals, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, AddressAnswer>(StringComparer.OrdinalIgnoreCase);
        var missing = new List<string>();
        foreach (var target in targets.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var preferred = Addresses(additionals, target, options.PreferIPv6);
            var found = preferred.Addresses.Count > 0 ? preferred : Addresses(additionals, target, !options.PreferIPv6);
            if (found.Addresses.Count > 0)
            {
                result[target] = found;
            }
            else
            {
                missing.Add(target);
            }
        }

        var looked = await Task.WhenAll(missing.Select(t => ResolveAddressesAsync(t, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < missing.Count; i++)
        {
            result[missing[i]] = looked[i];
        }

        return result;
    }

    /// <summary>Looks up the addresses of <paramref name="name"/> in the preferred family, then in the other when it has none.</summary>
    private async Task<AddressAnswer> ResolveAddressesAsync(string name, CancellationToken cancellationToken)
    {
        var first = await QueryAddressesAsync(name, options.PreferIPv6 ? QueryType.AAAA : QueryType.A, cancellationToken).ConfigureAwait(false);
        if (first.Addresses.Count > 0)
        {
            return first;
        }

        var second = await QueryAddressesAsync(name, options.PreferIPv6 ? QueryType.A : QueryType.AAAA, cancellationToken).ConfigureAwait(false);
        return second.Addresses.Count > 0 ? second : new AddressAnswer([], 0, first.NameExists || second.NameExists);
    }

    private async Task<AddressAnswer> QueryAddressesAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        var response = await client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new AddressAnswer([], 0, NameExists: false);
        }

        ThrowIfError(response, name, type);

        // The answer may start with a CNAME chain: every address record of it belongs to the name asked.
        var records = response.Answers.OfType<AddressRecord>()
            .Where(r => r.RecordType == (type == QueryType.A ? ResourceRecordType.A : ResourceRecordType.AAAA))
            .ToList();
        var ttl = response.Answers.Count > 0 ? response.Answers.Min(r => r.TimeToLive) : 0;
        return new AddressAnswer([.. records.Select(r => r.Address)], ttl, NameExists: true);
    }

    private static AddressAnswer Addresses(IReadOnlyList<DnsResourceRecord> records, string name, bool ipv6)
    {
        var type = ipv6 ? ResourceRecordType.AAAA : ResourceRecordType.A;
        var matching = records.OfType<AddressRecord>()
            .Where(r => r.RecordType == type && string.Equals(HostName(r.DomainName), name, StringComparison.OrdinalIgnoreCase))
            .ToList();
        return new AddressAnswer([.. matching.Select(r => r.Address)], matching.Count > 0 ? matching.Min(r => r.TimeToLive) : 0, matching.Count > 0);
    }

    private static string HostName(DnsString name) => name.Value.TrimEnd('.');

    private static void ThrowIfError(IDnsQueryResponse response, string name, QueryType type)
    {
        if (!response.HasError)
        {
            return;
        }

        var code = (DnsResponseCode)response.Header.ResponseCode;
        var label = code switch
        {
            DnsResponseCode.NotExistentDomain => "NXDOMAIN (the name does not exist)",
            DnsResponseCode.ServerFailure => "SERVFAIL",
            DnsResponseCode.Refused => "REFUSED",
            DnsResponseCode.FormatError => "FORMERR",
            DnsResponseCode.NotImplemented => "NOTIMP",
            _ => code.ToString(),
        };
        throw new DnsResponseException(code, $"DNS {type} lookup of '{name}' failed: {label} from {response.NameServer}.");
    }
}
