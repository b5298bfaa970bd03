using Balancer.Client.Feedback;
using Polly;

namespace Balancer.Client.Resilience;

/// <summary>
/// One request being hedged. The first attempt sends the caller's request; each copy is built from a snapshot taken
/// before it went out (method, logical URI, headers, options, body), so no copy reads what an attempt changes, and
/// every copy shares the request's <see cref="RequestAttempts"/>, so each sees the endpoints all earlier copies took.
/// </summary>
internal sealed class HedgedRequest
{
    private readonly HttpMethod _method;
    private readonly Uri? _logicalUri;
    private readonly Version _version;
    private readonly HttpVersionPolicy _versionPolicy;
    private readonly KeyValuePair<string, string[]>[] _headers;
    private readonly KeyValuePair<string, object?>[] _options;
    private readonly byte[]? _body;
    private readonly KeyValuePair<string, string[]>[] _contentHeaders;
    private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _send;
    private int _stopped;

    private HedgedRequest(HttpRequestMessage original, byte[]? body, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send)
    {
        Original = original;
        Attempts = AttemptContext.Share(original);
        _method = original.Method;
        _logicalUri = original.RequestUri;
        _version = original.Version;
        _versionPolicy = original.VersionPolicy;
        _headers = Snapshot(original.Headers);
        _options = AttemptContext.SnapshotOptions(original);
        _body = body;
        _contentHeaders = original.Content is { } content ? Snapshot(content.Headers) : [];
        _send = send;
    }

    public HttpRequestMessage Original { get; }

    /// <summary>Gets the attempts of the logical request, shared by the original and every copy.</summary>
    public RequestAttempts Attempts { get; }

    /// <summary>Gets a value indicating whether no further copy may go out (push-back, budget spent, no endpoint left).</summary>
    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    /// <summary>Snapshots the request before its first attempt; a body (replayable, see <see cref="RequestSafety"/>) is read once into memory.</summary>
    public static async Task<HedgedRequest> CreateAsync(
        HttpRequestMessage request,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        CancellationToken cancellationToken)
    {
        var body = request.Content is { } content ? await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false) : null;
        return new HedgedRequest(request, body, send);
    }

    /// <summary>Whether a copy may go out now: not stopped, and the budget has a token for it.</summary>
    public bool TryStartCopy(RetryBudget budget)
    {
        if (IsStopped)
        {
            return false;
        }

        if (!budget.TryRetry())
        {
            Stop();
            return false;
        }

        return true;
    }

    public async ValueTask<Outcome<HttpResponseMessage>> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _send(request, cancellationToken).ConfigureAwait(false);
            if (TransientFailure.IsBackPressure(response))
            {
                Stop(); // the server asks to slow down: no copy answers it at once, the ones in flight are waited for
            }

            return Outcome.FromResult(response);
        }
        catch (Exception exception)
        {
            if (exception is NoAvailableEndpointException)
            {
                Stop();
            }

            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }

    public ValueTask<Outcome<HttpResponseMessage>> SendCopyAsync(CancellationToken cancellationToken)
    {
        var copy = new HttpRequestMessage(_method, _logicalUri) { Version = _version, VersionPolicy = _versionPolicy };
        foreach (var header in _headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (_body is not null)
        {
            var content = new ByteArrayContent(_body);
            foreach (var header in _contentHeaders)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            copy.Content = content;
        }

        AttemptContext.CopyOptions(_options, copy); // the shared RequestAttempts among them
        return SendAsync(copy, cancellationToken);
    }

    private void Stop() => Volatile.Write(ref _stopped, 1);

    private static KeyValuePair<string, string[]>[] Snapshot(System.Net.Http.Headers.HttpHeaders headers)
    {
        // The non-validated view reads the raw values without parsing them, so it writes nothing into the headers.
        var result = new List<KeyValuePair<string, string[]>>();
        foreach (var header in headers.NonValidated)
        {
            result.Add(new(header.Key, [.. header.Value]));
        }

        return [.. result];
    }
}
