using Balancer.Client.Feedback;
using Google.Protobuf;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// Reads the binary ORCA load report (<c>xds.data.orca.v3.OrcaLoadReport</c>) that gRPC servers send in the
/// <c>endpoint-load-metrics-bin</c> trailer (base64, as binary metadata is on the wire). Unknown fields are skipped.
/// </summary>
internal static class OrcaBinaryParser
{
    public const string TrailerName = "endpoint-load-metrics-bin";

    private static readonly Dictionary<string, double> s_noMetrics = [];

    public static bool TryParse(string base64, DateTimeOffset receivedAt, out ServerLoadReport? report)
    {
        report = null;
        try
        {
            var padded = base64.Trim();
            if (padded.Length % 4 != 0)
            {
                padded = padded.PadRight(padded.Length + (4 - (padded.Length % 4)), '=');
            }

            return TryParse(Convert.FromBase64String(padded), receivedAt, out report);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static bool TryParse(byte[] bytes, DateTimeOffset receivedAt, out ServerLoadReport? report)
    {
        report = null;
        double cpu = 0, mem = 0, rps = 0, eps = 0, app = 0;
        Dictionary<string, double>? named = null;
        try
        {
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                        cpu = input.ReadDouble();
                        break;
                    case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                        mem = input.ReadDouble();
                        break;
                    case 6 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                        rps = input.ReadDouble();
                        break;
                    case 7 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                        eps = input.ReadDouble();
                        break;
                    case 9 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                        app = input.ReadDouble();
                        break;
                    case 8 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        var (name, value) = ReadMapEntry(input.ReadBytes());
                        if (name is not null)
                        {
                            (named ??= new Dictionary<string, double>(StringComparer.Ordinal))[name] = value;
                        }

                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }

        if (!IsValid(cpu) || !IsValid(mem) || !IsValid(app) || !IsValid(rps) || !IsValid(eps))
        {
            return false;
        }

        report = new ServerLoadReport(cpu, mem, app, rps, eps, named ?? s_noMetrics, receivedAt);
        return true;
    }

    private static (string? Name, double Value) ReadMapEntry(ByteString entry)
    {
        var input = entry.CreateCodedInput();
        string? name = null;
        double value = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    name = input.ReadString();
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                    value = input.ReadDouble();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (name, value);
    }

    private static bool IsValid(double value) => double.IsFinite(value) && value >= 0;
}
