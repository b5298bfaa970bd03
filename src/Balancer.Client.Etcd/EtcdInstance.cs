using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Balancer.Client.Endpoints;
using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd;

/// <summary>
/// One instance of a service as registered in etcd: the value of its key under the service's prefix.
/// </summary>
/// <remarks>
/// The value is a small JSON document, for example
/// <c>{"address":"http://10.0.0.5:8080","weight":2,"zone":"eu-1b","priority":0,"metadata":{"version":"1.4.2"}}</c>;
/// only <c>address</c> is required. A plain address (<c>http://10.0.0.5:8080</c>, or <c>10.0.0.5:8080</c> for http)
/// is accepted too, so that keys written by other tools work.
/// </remarks>
public sealed class EtcdInstance
{
    /// <summary>Gets or sets the absolute <c>http</c> or <c>https</c> address, such as <c>http://10.0.0.5:8080</c>, optionally with a base path.</summary>
    /// <value>The default value is <see langword="null"/>, which is not a valid instance.</value>
    public string? Address { get; set; }

    /// <summary>Gets or sets the relative weight, from 1 to 100.</summary>
    /// <value>The default value is 1.</value>
    public int Weight { get; set; } = 1;

    /// <summary>Gets or sets the zone the instance runs in, such as <c>eu-1a</c>.</summary>
    /// <value>The default value is <see langword="null"/> (unknown).</value>
    public string? Zone { get; set; }

    /// <summary>Gets or sets the priority tier: 0 is the most preferred (see <see cref="BalancerEndpointOptions.Priority"/>).</summary>
    /// <value>The default value is 0.</value>
    public int Priority { get; set; }

    /// <summary>Gets free-form metadata for custom selectors and observers.</summary>
    /// <value>The default value is an empty dictionary.</value>
#pragma warning disable CA2227 // Settable so that object initializers work.
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);
#pragma warning restore CA2227

    /// <summary>
    /// Gets or sets the instance's name under the prefix: its key is the prefix followed by this name. It is not part of
    /// the value.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the name is the address's host and port, such as <c>10.0.0.5:8080</c>.</value>
    public string? Id { get; set; }

    /// <summary>Writes the value stored in etcd: the JSON document with address, weight, zone, priority and metadata.</summary>
    /// <returns>The JSON document.</returns>
    public string ToJson() => Encoding.UTF8.GetString(ToJsonUtf8());

    /// <summary>Writes the value stored in etcd, UTF-8 encoded.</summary>
    internal byte[] ToJsonUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("address", Address);
            writer.WriteNumber("weight", Weight);
            if (Zone is not null)
            {
                writer.WriteString("zone", Zone);
            }

            writer.WriteNumber("priority", Priority);
            if (Metadata is { Count: > 0 })
            {
                writer.WriteStartObject("metadata");
                foreach (var (name, value) in Metadata)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Returns the instance's name under the prefix: <see cref="Id"/>, or the address's host and port.</summary>
    internal string ResolveId() =>
        Id ?? (Uri.TryCreate(Address, UriKind.Absolute, out var uri) ? uri.Authority : Address ?? string.Empty);

    /// <summary>Returns every problem of this instance (an empty list when it is valid), each as "field 'value' problem".</summary>
    internal List<string> Validate()
    {
        var problems = new List<string>();
        if (!EtcdValueParser.TryParseAddress(Address, out _, out var addressProblem))
        {
            problems.Add($"Address '{Address}' {addressProblem}");
        }

        if (Weight is < BalancerEndpoint.MinWeight or > BalancerEndpoint.MaxWeight)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Weight '{Weight}' is out of range; allowed from {BalancerEndpoint.MinWeight} to {BalancerEndpoint.MaxWeight}"));
        }

        if (Priority < 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Priority '{Priority}' is negative; 0 is the most preferred tier"));
        }

        if (Id is not null && (Id.Length == 0 || Id.Contains('/', StringComparison.Ordinal)))
        {
            problems.Add($"Id '{Id}' must be a non-empty name without '/'");
        }

        return problems;
    }
}
