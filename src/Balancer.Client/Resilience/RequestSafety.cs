using System.Net.Http.Json;

namespace Balancer.Client.Resilience;

/// <summary>What may be resent: idempotent methods, replayable bodies.</summary>
internal static class RequestSafety
{
    /// <summary>GET, HEAD, OPTIONS, TRACE, PUT and DELETE (RFC 9110 §9.2.2).</summary>
    public static bool IsIdempotent(HttpMethod method) =>
        IsSafe(method) || method == HttpMethod.Put || method == HttpMethod.Delete;

    /// <summary>GET, HEAD, OPTIONS and TRACE (RFC 9110 §9.2.1).</summary>
    public static bool IsSafe(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace;

    /// <summary>Whether the body can be sent again: none, or content that serializes from memory every time.</summary>
    public static bool IsReplayable(HttpContent? content) => content switch
    {
        null => true,
        ByteArrayContent => true, // also StringContent, FormUrlEncodedContent
        ReadOnlyMemoryContent => true,
        JsonContent => true,
        MultipartContent multipart => multipart.All(IsReplayable),
        _ => false,
    };
}
