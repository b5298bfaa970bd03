namespace Balancer.Client.Selection;

/// <summary>The request side of the features: method, route key, size band and the class they make.</summary>
internal readonly record struct RequestFeatures(int Method, int RouteKey, int Class, float ContentLength);

/// <summary>
/// Turns a request into <see cref="RequestFeatures"/> without allocating: the route key is hashed with FNV-1a, stable
/// across processes, so that a model trained elsewhere sees the same numbers. The key is, in order, the class the user
/// named (<see cref="BalancerHttpRequestExtensions.SetBalancerRequestClass"/>), the client's route key function, or the
/// path as a route template: segments that are numbers, GUIDs, long hex or opaque tokens become one placeholder and the
/// query string is dropped, so <c>/orders/42</c> and <c>/orders/43?x=1</c> share a class.
/// The class of a pick travels to its feedback in the request's attempt context (<see cref="Feedback.AttemptContext"/>):
/// by then the URI is the endpoint's.
/// </summary>
internal static class RequestClassifier
{
    private const uint FnvOffset = 2166136261;
    private const uint FnvPrime = 16777619;
    private const int NamedMethod = 8;
    private const int TokenLength = 16;

    public static RequestFeatures Describe(HttpRequestMessage? request, Func<HttpRequestMessage, string?>? routeKey, int classes)
    {
        if (request is null)
        {
            return new RequestFeatures(0, Bucket(FnvOffset, classes), Bucket(Mix(FnvOffset, 0, 0), classes), 0);
        }

        var method = MethodCode(request.Method);
        if (BalancerHttpRequestExtensions.TryGetRequestClass(request, out var named))
        {
            var namedHash = Hash(named);
            return new RequestFeatures(method, Bucket(namedHash, classes), Bucket(Mix(namedHash, NamedMethod, 0), classes), 0);
        }

        var routeHash = routeKey is null ? TemplateHash(request.RequestUri) : Hash((routeKey(request) ?? string.Empty).AsSpan());
        var length = request.Content?.Headers.ContentLength ?? 0;
        var band = length <= 0 ? 0 : length <= 1024 ? 1 : length <= 65536 ? 2 : 3;
        return new RequestFeatures(method, Bucket(routeHash, classes), Bucket(Mix(routeHash, method, band), classes), length <= 0 ? 0 : (float)Math.Log(1 + length));
    }

    /// <summary>The first path segment: <c>/orders/42?x=1</c> → <c>orders</c>; empty for <c>/</c> or no URI.</summary>
    internal static ReadOnlySpan<char> FirstSegment(Uri? uri)
    {
        if (uri is null)
        {
            return [];
        }

        var path = (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString).AsSpan().TrimStart('/');
        var end = path.IndexOfAny('/', '?', '#');
        return end < 0 ? path : path[..end];
    }

    /// <summary>
    /// The hash of the path as a route template: <c>/orders/42/lines?x=1</c> hashes as <c>/orders/{id}/lines</c>
    /// (see <see cref="IsIdentifier"/>); the query string and fragment are dropped.
    /// </summary>
    internal static uint TemplateHash(Uri? uri)
    {
        if (uri is null)
        {
            return FnvOffset;
        }

        var path = (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString).AsSpan();
        var end = path.IndexOfAny('?', '#');
        path = end < 0 ? path : path[..end];
        var hash = FnvOffset;
        while (!path.IsEmpty)
        {
            var slash = path.IndexOf('/');
            var segment = slash < 0 ? path : path[..slash];
            path = slash < 0 ? [] : path[(slash + 1)..];
            if (segment.IsEmpty)
            {
                continue;
            }

            hash = (hash ^ '/') * FnvPrime;
            hash = Hash(IsIdentifier(segment) ? "{id}" : segment, hash);
        }

        return hash;
    }

    /// <summary>
    /// Whether a path segment names one resource rather than a route: all digits, a GUID, hex of 16 or more digits,
    /// or a token of 16 or more characters that mixes digits with letters (base64url, ULID, hashes).
    /// </summary>
    internal static bool IsIdentifier(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return false;
        }

        var digits = 0;
        var hex = 0;
        var letters = 0;
        foreach (var c in segment)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (char.IsAsciiLetter(c))
            {
                letters++;
                hex += char.IsAsciiHexDigit(c) ? 1 : 0;
            }
            else if (c is not ('-' or '_' or '.' or '~' or '%' or '='))
            {
                return false;
            }
        }

        if (digits == segment.Length || Guid.TryParse(segment, out _))
        {
            return true;
        }

        if (segment.Length < TokenLength || digits == 0)
        {
            return false;
        }

        return digits + hex == segment.Length || letters > 0;
    }

    internal static int MethodCode(HttpMethod method)
    {
        if (method.Equals(HttpMethod.Get))
        {
            return 0;
        }

        if (method.Equals(HttpMethod.Head))
        {
            return 1;
        }

        if (method.Equals(HttpMethod.Post))
        {
            return 2;
        }

        if (method.Equals(HttpMethod.Put))
        {
            return 3;
        }

        if (method.Equals(HttpMethod.Delete))
        {
            return 4;
        }

        return method.Equals(HttpMethod.Patch) ? 5 : method.Equals(HttpMethod.Options) ? 6 : 7;
    }

    /// <summary>FNV-1a over the UTF-16 code units.</summary>
    internal static uint Hash(ReadOnlySpan<char> key, uint hash = FnvOffset)
    {
        foreach (var c in key)
        {
            hash = (hash ^ c) * FnvPrime;
        }

        return hash;
    }

    private static uint Mix(uint hash, int method, int band) => (((hash ^ (uint)method) * FnvPrime) ^ (uint)band) * FnvPrime;

    /// <summary>Maps a hash onto 0 … <paramref name="classes"/> − 1 by multiply-shift (no modulo bias worth speaking of).</summary>
    private static int Bucket(uint hash, int classes) => (int)(((ulong)hash * (uint)classes) >> 32);
}
