using System.Globalization;
using System.Text.Json;

namespace Balancer.Client.Feedback;

/// <summary>
/// Parses the ORCA <c>endpoint-load-metrics</c> response header (gRPC A51 over HTTP): <c>TEXT k=v, k=v</c> or
/// <c>JSON {"k": v, "named_metrics": {...}}</c>. The binary (<c>BIN</c>, protobuf) form is not read.
/// </summary>
internal static class OrcaLoadReportParser
{
    /// <summary>The header name.</summary>
    public const string HeaderName = "endpoint-load-metrics";

    public static bool TryParse(string? value, DateTimeOffset receivedAt, out ServerLoadReport? report)
    {
        report = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.AsSpan().Trim();
        var fields = new Fields();
        bool parsed;
        if (text.StartsWith("TEXT", StringComparison.OrdinalIgnoreCase))
        {
            parsed = ParseText(text[4..], ref fields);
        }
        else if (text.StartsWith("JSON", StringComparison.OrdinalIgnoreCase))
        {
            parsed = ParseJson(text[4..].ToString(), ref fields);
        }
        else
        {
            return false;
        }

        if (!parsed)
        {
            return false;
        }

        report = new ServerLoadReport(fields.Cpu, fields.Mem, fields.App, fields.Rps, fields.Eps, fields.Named ?? (IReadOnlyDictionary<string, double>)new Dictionary<string, double>(0), receivedAt);
        return true;
    }

    private static bool ParseText(ReadOnlySpan<char> text, ref Fields fields)
    {
        var any = false;
        while (!text.IsEmpty)
        {
            var comma = text.IndexOf(',');
            var pair = (comma < 0 ? text : text[..comma]).Trim();
            text = comma < 0 ? [] : text[(comma + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            if (equals <= 0 || !double.TryParse(pair[(equals + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            any |= fields.Set(pair[..equals].Trim().ToString(), number);
        }

        return any;
    }

    private static bool ParseJson(string json, ref Fields fields)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var any = false;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.NameEquals("named_metrics") && property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var named in property.Value.EnumerateObject())
                    {
                        if (named.Value.ValueKind == JsonValueKind.Number)
                        {
                            any |= fields.Set("named_metrics." + named.Name, named.Value.GetDouble());
                        }
                    }
                }
                else if (property.Value.ValueKind == JsonValueKind.Number)
                {
                    any |= fields.Set(property.Name, property.Value.GetDouble());
                }
            }

            return any;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private struct Fields
    {
        public double Cpu;
        public double Mem;
        public double App;
        public double Rps;
        public double Eps;
        public Dictionary<string, double>? Named;

        public bool Set(string name, double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value) || value < 0)
            {
                return false;
            }

            switch (name)
            {
                case "cpu_utilization": Cpu = value; return true;
                case "mem_utilization": Mem = value; return true;
                case "application_utilization": App = value; return true;
                case "rps_fractional": Rps = value; return true;
                case "eps": Eps = value; return true;
                default:
                    if (name.StartsWith("named_metrics.", StringComparison.Ordinal) && name.Length > "named_metrics.".Length)
                    {
                        (Named ??= new Dictionary<string, double>(StringComparer.Ordinal))[name["named_metrics.".Length..]] = value;
                        return true;
                    }

                    return false;
            }
        }
    }
}
