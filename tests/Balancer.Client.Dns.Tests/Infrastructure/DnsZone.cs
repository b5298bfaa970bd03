using System.Globalization;
using System.Text;

namespace Balancer.Client.Dns.Tests.Infrastructure;

/// <summary>The records a <see cref="Dnsmasq"/> instance serves, written as dnsmasq configuration lines.</summary>
internal sealed class DnsZone
{
    /// <summary>The SRV name the tests look up.</summary>
    public const string ServiceName = "_http._tcp.catalog.test";

    /// <summary>A name that always resolves, used to tell when dnsmasq answers.</summary>
    public const string ReadyName = "dnsmasq-ready.test";

    private readonly List<string> _lines = [];

    /// <summary>A zone with one SRV record per backend, each target (<c>{backend name}.hosts.test</c>) with an A record 127.0.0.1.</summary>
    public static DnsZone For(params (ScriptedBackend Backend, int Priority, int Weight)[] records)
    {
        var zone = new DnsZone();
        foreach (var (backend, priority, weight) in records)
        {
            zone.Srv(ServiceName, TargetOf(backend), backend.Port, priority, weight).Host(TargetOf(backend), "127.0.0.1");
        }

        return zone;
    }

    /// <summary>A zone with one SRV record of priority 0 and weight 1 per backend.</summary>
    public static DnsZone For(params ScriptedBackend[] backends) => For([.. backends.Select(b => (b, 0, 1))]);

    public static string TargetOf(ScriptedBackend backend) => $"{backend.Name}.hosts.test";

    /// <summary>An SRV record (<c>srv-host</c>).</summary>
    public DnsZone Srv(string name, string target, int port, int priority = 0, int weight = 1) =>
        Line($"srv-host={name},{target},{port},{priority},{weight}");

    /// <summary>A/AAAA records that dnsmasq also adds to the additional section of SRV answers (<c>host-record</c>).</summary>
    public DnsZone Host(string name, params string[] addresses) => Line($"host-record={name},{string.Join(',', addresses)}");

    /// <summary>An A record that dnsmasq does not add to SRV answers: the client has to query it (<c>address</c>).</summary>
    public DnsZone Address(string name, string address) => Line($"address=/{name}/{address}");

    /// <summary>An alias (<c>cname</c>).</summary>
    public DnsZone Cname(string alias, string target) => Line($"cname={alias},{target}");

    /// <summary>A TXT record: its name exists but has no SRV record (<c>txt-record</c>).</summary>
    public DnsZone Txt(string name, string text) => Line($"txt-record={name},\"{text}\"");

    /// <summary>The configuration file: only local answers for <c>.test</c> (NXDOMAIN for unknown names), then the records.</summary>
    public string ToConfig()
    {
        var config = new StringBuilder();
        config.AppendLine("local=/test/");
        config.AppendLine(CultureInfo.InvariantCulture, $"host-record={ReadyName},127.0.0.1");
        foreach (var line in _lines)
        {
            config.AppendLine(line);
        }

        return config.ToString();
    }

    public override string ToString() => string.Join("; ", _lines);

    private DnsZone Line(string line)
    {
        _lines.Add(line);
        return this;
    }
}
