using System.Text.Json.Serialization;

namespace Balancer.Client.Etcd.Internal;

// Messages of etcd's v3 HTTP/JSON gateway (the gRPC API mapped to JSON): field names as in the .proto files, int64 as
// strings, bytes as base64, default values left out.

internal sealed class ResponseHeader
{
    [JsonPropertyName("revision")]
    public long Revision { get; set; }
}

internal sealed class KeyValue
{
    [JsonPropertyName("key")]
    public byte[]? Key { get; set; }

    [JsonPropertyName("value")]
    public byte[]? Value { get; set; }

    [JsonPropertyName("mod_revision")]
    public long ModRevision { get; set; }

    [JsonPropertyName("lease")]
    public long Lease { get; set; }
}

internal sealed class RangeRequest
{
    [JsonPropertyName("key")]
    public byte[]? Key { get; set; }

    [JsonPropertyName("range_end")]
    public byte[]? RangeEnd { get; set; }
}

internal sealed class RangeResponse
{
    [JsonPropertyName("header")]
    public ResponseHeader? Header { get; set; }

    [JsonPropertyName("kvs")]
    public KeyValue[]? Kvs { get; set; }
}

internal sealed class PutRequest
{
    [JsonPropertyName("key")]
    public byte[]? Key { get; set; }

    [JsonPropertyName("value")]
    public byte[]? Value { get; set; }

    [JsonPropertyName("lease")]
    public long Lease { get; set; }
}

internal sealed class DeleteRangeRequest
{
    [JsonPropertyName("key")]
    public byte[]? Key { get; set; }

    [JsonPropertyName("range_end")]
    public byte[]? RangeEnd { get; set; }
}

internal sealed class CompactionRequest
{
    [JsonPropertyName("revision")]
    public long Revision { get; set; }

    [JsonPropertyName("physical")]
    public bool Physical { get; set; }
}

/// <summary>The answer of put, delete range, compaction and revoke: only the header is read.</summary>
internal sealed class HeaderResponse
{
    [JsonPropertyName("header")]
    public ResponseHeader? Header { get; set; }
}

internal sealed class AuthenticateRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }
}

internal sealed class AuthenticateResponse
{
    [JsonPropertyName("token")]
    public string? Token { get; set; }
}

internal sealed class LeaseGrantRequest
{
    [JsonPropertyName("TTL")]
    public long Ttl { get; set; }
}

internal sealed class LeaseGrantResponse
{
    [JsonPropertyName("ID")]
    public long Id { get; set; }

    [JsonPropertyName("TTL")]
    public long Ttl { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }
}

internal sealed class LeaseIdRequest
{
    [JsonPropertyName("ID")]
    public long Id { get; set; }
}

internal sealed class LeaseKeepAliveResponse
{
    [JsonPropertyName("ID")]
    public long Id { get; set; }

    /// <summary>The new time to live in seconds; 0 (left out) when the lease does not exist any more.</summary>
    [JsonPropertyName("TTL")]
    public long Ttl { get; set; }
}

internal sealed class LeaseKeepAliveMessage
{
    [JsonPropertyName("result")]
    public LeaseKeepAliveResponse? Result { get; set; }

    [JsonPropertyName("error")]
    public GatewayError? Error { get; set; }
}

internal sealed class WatchCreateRequest
{
    [JsonPropertyName("key")]
    public byte[]? Key { get; set; }

    [JsonPropertyName("range_end")]
    public byte[]? RangeEnd { get; set; }

    [JsonPropertyName("start_revision")]
    public long StartRevision { get; set; }

    [JsonPropertyName("progress_notify")]
    public bool ProgressNotify { get; set; }
}

internal sealed class WatchRequest
{
    [JsonPropertyName("create_request")]
    public WatchCreateRequest? CreateRequest { get; set; }
}

internal sealed class WatchEvent
{
    /// <summary><c>DELETE</c>, or left out for a put (the enum's default).</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("kv")]
    public KeyValue? Kv { get; set; }
}

internal sealed class WatchResponse
{
    [JsonPropertyName("header")]
    public ResponseHeader? Header { get; set; }

    [JsonPropertyName("created")]
    public bool Created { get; set; }

    [JsonPropertyName("canceled")]
    public bool Canceled { get; set; }

    [JsonPropertyName("compact_revision")]
    public long CompactRevision { get; set; }

    [JsonPropertyName("cancel_reason")]
    public string? CancelReason { get; set; }

    [JsonPropertyName("events")]
    public WatchEvent[]? Events { get; set; }
}

/// <summary>One line of the watch stream: a response or an error.</summary>
internal sealed class WatchMessage
{
    [JsonPropertyName("result")]
    public WatchResponse? Result { get; set; }

    [JsonPropertyName("error")]
    public GatewayError? Error { get; set; }
}

/// <summary>An error answer of the gateway (a gRPC status).</summary>
internal sealed class GatewayError
{
    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("code")]
    public int Code { get; set; }

    /// <summary>The status code as errors inside a stream (watch, keepalive) carry it.</summary>
    [JsonPropertyName("grpc_code")]
    public int GrpcCode { get; set; }

    [JsonIgnore]
    public int StatusCode => Code != 0 ? Code : GrpcCode;
}

[JsonSourceGenerationOptions(
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(RangeRequest))]
[JsonSerializable(typeof(RangeResponse))]
[JsonSerializable(typeof(PutRequest))]
[JsonSerializable(typeof(DeleteRangeRequest))]
[JsonSerializable(typeof(CompactionRequest))]
[JsonSerializable(typeof(HeaderResponse))]
[JsonSerializable(typeof(LeaseGrantRequest))]
[JsonSerializable(typeof(LeaseGrantResponse))]
[JsonSerializable(typeof(LeaseIdRequest))]
[JsonSerializable(typeof(LeaseKeepAliveMessage))]
[JsonSerializable(typeof(WatchRequest))]
[JsonSerializable(typeof(WatchMessage))]
[JsonSerializable(typeof(GatewayError))]
[JsonSerializable(typeof(AuthenticateRequest))]
[JsonSerializable(typeof(AuthenticateResponse))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
