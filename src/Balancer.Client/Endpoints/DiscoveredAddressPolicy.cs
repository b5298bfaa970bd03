using System.Net;
using System.Net.Sockets;

namespace Balancer.Client.Endpoints;

/// <summary>
/// Which addresses a client accepts from its endpoint sources (<see cref="EndpointSourceOptions.AllowedSchemes"/> and
/// <see cref="EndpointSourceOptions.AllowedHosts"/>): checked once per publication, never on the request path.
/// Immutable; replaced when the options reload.
/// </summary>
internal sealed class DiscoveredAddressPolicy
{
    public static readonly DiscoveredAddressPolicy AllowAll = new(allowHttp: true, allowHttps: true, httpsBecause: null, [], [], []);

    private readonly bool _allowHttp;
    private readonly bool _allowHttps;
    private readonly string? _httpsBecause;
    private readonly string[] _exactHosts;
    private readonly string[] _hostSuffixes;
    private readonly IPNetwork[] _networks;

    private DiscoveredAddressPolicy(bool allowHttp, bool allowHttps, string? httpsBecause, string[] exactHosts, string[] hostSuffixes, IPNetwork[] networks)
    {
        _allowHttp = allowHttp;
        _allowHttps = allowHttps;
        _httpsBecause = httpsBecause;
        _exactHosts = exactHosts;
        _hostSuffixes = hostSuffixes;
        _networks = networks;
    }

    private bool RestrictsHosts => _exactHosts.Length + _hostSuffixes.Length + _networks.Length > 0;

    /// <summary>
    /// The policy of validated options: http is refused when <see cref="EndpointSourceOptions.AllowedSchemes"/> leaves it
    /// out, or, when that list is empty, when every endpoint of the options is https (a discovered value never downgrades).
    /// </summary>
    public static DiscoveredAddressPolicy Create(EndpointSourceOptions options, IReadOnlyCollection<EndpointDefinition> configured)
    {
        bool allowHttp;
        var allowHttps = true;
        string? because;
        if (options.AllowedSchemes is { Count: > 0 } schemes)
        {
            allowHttp = schemes.Any(s => string.Equals(s?.Trim(), Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase));
            allowHttps = schemes.Any(s => string.Equals(s?.Trim(), Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase));
            because = "EndpointSources.AllowedSchemes allows https only";
        }
        else
        {
            allowHttp = configured.Count == 0 || configured.Any(d => d.Address.Scheme == Uri.UriSchemeHttp);
            because = "the client's configured endpoints are all https and a discovered value never downgrades them (list http in EndpointSources.AllowedSchemes to allow it)";
        }

        var exact = new List<string>();
        var suffixes = new List<string>();
        var networks = new List<IPNetwork>();
        foreach (var pattern in options.AllowedHosts ?? [])
        {
            switch (ParsePattern(pattern, out var host, out var network))
            {
                case PatternKind.Exact: exact.Add(host!); break;
                case PatternKind.Suffix: suffixes.Add(host!); break;
                case PatternKind.Network: networks.Add(network); break;
                default: break; // rejected by the validator
            }
        }

        return new DiscoveredAddressPolicy(allowHttp, allowHttps, allowHttp ? null : because, [.. exact], [.. suffixes], [.. networks]);
    }

    /// <summary>Returns what is wrong with a host pattern, or <see langword="null"/> when it is one of the supported forms.</summary>
    public static string? ValidatePattern(string? pattern) => ParsePattern(pattern, out _, out _) switch
    {
        PatternKind.Invalid when string.IsNullOrWhiteSpace(pattern) => "is empty; give a host name, '*.domain', an IP address or a CIDR range such as 10.0.0.0/8",
        PatternKind.Invalid when pattern!.Contains('/', StringComparison.Ordinal) => "is not a CIDR range (network address and prefix length, with no bit set after the prefix, such as 10.0.0.0/8 or fd00::/8)",
        PatternKind.Invalid => "is not a host name, '*.domain', an IP address or a CIDR range such as 10.0.0.0/8",
        _ => null,
    };

    /// <summary>Returns why <paramref name="address"/> is refused, or <see langword="null"/> when it is accepted.</summary>
    public string? Check(Uri address)
    {
        if (!_allowHttp && address.Scheme == Uri.UriSchemeHttp)
        {
            return "is http, but " + _httpsBecause;
        }

        if (!_allowHttps && address.Scheme == Uri.UriSchemeHttps)
        {
            return "has scheme 'https', which EndpointSources.AllowedSchemes does not list";
        }

        if (!RestrictsHosts)
        {
            return null;
        }

        if (address.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(address.DnsSafeHost, out var ip))
        {
            if (ip.IsIPv4MappedToIPv6)
            {
                ip = ip.MapToIPv4();
            }

            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            {
                ip.ScopeId = 0;
            }

            foreach (var network in _networks)
            {
                if (network.Contains(ip))
                {
                    return null;
                }
            }
        }

        var host = address.IdnHost.TrimEnd('.');
        foreach (var exact in _exactHosts)
        {
            if (string.Equals(host, exact, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        foreach (var suffix in _hostSuffixes)
        {
            if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        return $"has host '{address.Host}', which matches none of EndpointSources.AllowedHosts";
    }

    private static PatternKind ParsePattern(string? pattern, out string? host, out IPNetwork network)
    {
        host = null;
        network = default;
        var text = pattern?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return PatternKind.Invalid;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            // Bits set after the prefix (10.0.0.1/8) are a typo more often than a range: refused, not masked.
            return IPNetwork.TryParse(text, out network) && IPAddress.TryParse(text.AsSpan(0, text.IndexOf('/', StringComparison.Ordinal)), out var start) && start.Equals(network.BaseAddress)
                ? PatternKind.Network
                : PatternKind.Invalid;
        }

        var bare = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
        if (IPAddress.TryParse(bare, out var ip) && (ip.AddressFamily == AddressFamily.InterNetworkV6 || bare.Count(c => c == '.') == 3))
        {
            network = new IPNetwork(ip, ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return PatternKind.Network;
        }

        var suffix = text.StartsWith("*.", StringComparison.Ordinal);
        var name = (suffix ? text[2..] : text).TrimEnd('.');
        if (Uri.CheckHostName(name) != UriHostNameType.Dns || name.Contains('*', StringComparison.Ordinal))
        {
            return PatternKind.Invalid;
        }

        host = suffix ? "." + name : name;
        return suffix ? PatternKind.Suffix : PatternKind.Exact;
    }

    private enum PatternKind
    {
        Invalid,
        Exact,
        Suffix,
        Network,
    }
}
