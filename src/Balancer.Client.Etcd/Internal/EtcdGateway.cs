using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// Calls etcd's v3 HTTP/JSON gateway (<c>/v3/kv/range</c>, <c>/v3/watch</c>, <c>/v3/lease/*</c>…) on one of the
/// cluster's members: the current one until it fails, then the next. Thread-safe.
/// </summary>
internal sealed class EtcdGateway
{
    /// <summary>gRPC status codes worth trying on another member: deadline exceeded, resource exhausted, unavailable.</summary>
    private static readonly int[] s_retryableCodes = [4, 8, 14];

    private readonly HttpClient _http;
    private readonly Uri[] _endpoints;
    private readonly TimeSpan _requestTimeout;
    private readonly AuthenticateRequest? _credentials;
    private readonly string?[] _tokens;
    private int _current;

    /// <summary>A gateway to <paramref name="endpoints"/>; with a <paramref name="username"/>, every call carries a token of that user.</summary>
    public EtcdGateway(HttpClient http, IEnumerable<Uri> endpoints, TimeSpan requestTimeout, string? username = null, string? password = null)
    {
        _http = http;
        _requestTimeout = requestTimeout;
        _credentials = string.IsNullOrEmpty(username) ? null : new AuthenticateRequest { Name = username, Password = password ?? string.Empty };
        _endpoints = [.. endpoints.Select(WithTrailingSlash)];
        if (_endpoints.Length == 0)
        {
            _endpoints = http.BaseAddress is { IsAbsoluteUri: true } baseAddress
                ? [WithTrailingSlash(baseAddress)]
                : throw new ArgumentException("No etcd endpoint: give the HttpClient a BaseAddress (etcd's client URL, such as http://127.0.0.1:2379) or list the endpoints.", nameof(endpoints));
        }

        // Simple tokens are known only to the member that issued them: one per member.
        _tokens = new string?[_endpoints.Length];
    }

    /// <summary>The member calls go to now.</summary>
    public Uri Current => _endpoints[Volatile.Read(ref _current)];

    public Task<RangeResponse> RangeAsync(byte[] key, byte[] rangeEnd, CancellationToken cancellationToken) =>
        CallAsync("v3/kv/range", new RangeRequest { Key = key, RangeEnd = rangeEnd }, EtcdJsonContext.Default.RangeRequest, EtcdJsonContext.Default.RangeResponse, cancellationToken);

    public Task<HeaderResponse> PutAsync(byte[] key, byte[] value, long lease, CancellationToken cancellationToken) =>
        CallAsync("v3/kv/put", new PutRequest { Key = key, Value = value, Lease = lease }, EtcdJsonContext.Default.PutRequest, EtcdJsonContext.Default.HeaderResponse, cancellationToken);

    public Task<HeaderResponse> DeleteRangeAsync(byte[] key, byte[]? rangeEnd, CancellationToken cancellationToken) =>
        CallAsync("v3/kv/deleterange", new DeleteRangeRequest { Key = key, RangeEnd = rangeEnd }, EtcdJsonContext.Default.DeleteRangeRequest, EtcdJsonContext.Default.HeaderResponse, cancellationToken);

    public Task<HeaderResponse> CompactAsync(long revision, CancellationToken cancellationToken) =>
        CallAsync("v3/kv/compaction", new CompactionRequest { Revision = revision, Physical = true }, EtcdJsonContext.Default.CompactionRequest, EtcdJsonContext.Default.HeaderResponse, cancellationToken);

    /// <summary>Grants a lease of <paramref name="ttlSeconds"/> and returns its id.</summary>
    public async Task<long> GrantAsync(long ttlSeconds, CancellationToken cancellationToken)
    {
        var response = await CallAsync("v3/lease/grant", new LeaseGrantRequest { Ttl = ttlSeconds }, EtcdJsonContext.Default.LeaseGrantRequest, EtcdJsonContext.Default.LeaseGrantResponse, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(response.Error) || response.Id == 0)
        {
            throw new EtcdException($"etcd at {Current} granted no lease: {response.Error ?? "no lease id in the answer"}.");
        }

        return response.Id;
    }

    /// <summary>Renews a lease once; returns its new time to live in seconds, or 0 when the lease does not exist any more.</summary>
    public async Task<long> KeepAliveAsync(long id, CancellationToken cancellationToken)
    {
        var message = await CallAsync("v3/lease/keepalive", new LeaseIdRequest { Id = id }, EtcdJsonContext.Default.LeaseIdRequest, EtcdJsonContext.Default.LeaseKeepAliveMessage, cancellationToken).ConfigureAwait(false);
        if (message.Error is { } error)
        {
            throw ToException(error, Current);
        }

        return message.Result?.Ttl ?? 0;
    }

    public Task<HeaderResponse> RevokeAsync(long id, CancellationToken cancellationToken) =>
        CallAsync("v3/lease/revoke", new LeaseIdRequest { Id = id }, EtcdJsonContext.Default.LeaseIdRequest, EtcdJsonContext.Default.HeaderResponse, cancellationToken);

    /// <summary>
    /// Watches the keys from <paramref name="key"/> to <paramref name="rangeEnd"/>, from <paramref name="startRevision"/>
    /// on, until the stream breaks (an <see cref="EtcdException"/>) or <paramref name="cancellationToken"/> is canceled.
    /// </summary>
    public async IAsyncEnumerable<WatchResponse> WatchAsync(byte[] key, byte[] rangeEnd, long startRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var index = Volatile.Read(ref _current);
        var endpoint = _endpoints[index];
        var create = new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key, RangeEnd = rangeEnd, StartRevision = startRevision, ProgressNotify = true } };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "v3/watch"))
        {
            Content = JsonContent.Create(create, EtcdJsonContext.Default.WatchRequest),
        };

        using var response = await SendAsync(request, index, endpoint, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        while (true)
        {
            var line = await ReadLineAsync(reader, index, endpoint, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var message = Deserialize(Encoding.UTF8.GetBytes(line), EtcdJsonContext.Default.WatchMessage, endpoint);
            if (message.Error is { } error)
            {
                throw ToException(error, endpoint);
            }

            if (message.Result is { } result)
            {
                yield return result;
            }
        }
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private static T Deserialize<T>(byte[] body, JsonTypeInfo<T> typeInfo, Uri endpoint)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, typeInfo) ?? throw new EtcdException($"etcd at {endpoint} answered null.");
        }
        catch (JsonException exception)
        {
            throw new EtcdException($"etcd at {endpoint} answered something that is not etcd's JSON ({exception.Message}): {EtcdKeys.Quote(body)}", exception);
        }
    }

    private static EtcdException ToException(GatewayError error, Uri endpoint) =>
        new(string.Create(CultureInfo.InvariantCulture, $"etcd at {endpoint} answered: {error.Message ?? error.Error} (code {error.StatusCode})."), error.StatusCode);


    private static bool IsRetryable(Exception exception) => exception switch
    {
        HttpRequestException or IOException or OperationCanceledException => true,
        EtcdException { StatusCode: null } => true,
        EtcdException { StatusCode: { } code } => s_retryableCodes.Contains(code),
        _ => false,
    };

    private async Task<TResponse> CallAsync<TRequest, TResponse>(string path, TRequest body, JsonTypeInfo<TRequest> requestInfo, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
        where TResponse : class
    {
        List<Exception>? failures = null;
        var reauthenticated = false;
        for (var attempt = 0; attempt < _endpoints.Length; attempt++)
        {
            var index = Volatile.Read(ref _current);
            var endpoint = _endpoints[index];
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path)) { Content = JsonContent.Create(body, requestInfo) };
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_requestTimeout);
                using var response = await SendAsync(request, index, endpoint, HttpCompletionOption.ResponseContentRead, cancellationToken, timeout.Token).ConfigureAwait(false);
                var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                return Deserialize(bytes, responseInfo, endpoint);
            }
            catch (EtcdException exception) when (exception.StatusCode == EtcdConstants.Unauthenticated && _credentials is not null && !reauthenticated && !cancellationToken.IsCancellationRequested)
            {
                // The token expired (or the member restarted and forgot it): SendAsync dropped it; authenticate again, once.
                reauthenticated = true;
                attempt--;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && IsRetryable(exception))
            {
                var failure = exception as EtcdException ?? new EtcdException($"etcd at {endpoint} failed: {exception.Message}", exception);
                (failures ??= []).Add(failure);
                MoveOn(index);
            }
        }

        throw failures!.Count == 1
            ? failures[0]
            : new EtcdException($"No etcd endpoint answered: {string.Join(" ", failures.Select(f => f.Message))}", failures[^1]);
    }

    /// <summary>Sends a request and turns every failure into an <see cref="EtcdException"/> naming the member.</summary>
    private Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, int index, Uri endpoint, HttpCompletionOption completion, CancellationToken cancellationToken, CancellationToken timeoutToken = default) =>
        SendCoreAsync(request, index, endpoint, completion, authenticate: true, cancellationToken, timeoutToken);

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, int index, Uri endpoint, HttpCompletionOption completion, bool authenticate, CancellationToken cancellationToken, CancellationToken timeoutToken)
    {
        HttpResponseMessage response;
        using var timeout = timeoutToken.CanBeCanceled ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout?.CancelAfter(_requestTimeout);
        try
        {
            if (authenticate && _credentials is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", await GetTokenAsync(index, endpoint, cancellationToken, timeout?.Token ?? timeoutToken).ConfigureAwait(false));
            }

            response = await _http.SendAsync(request, completion, timeout?.Token ?? timeoutToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            MoveOn(index);
            throw new EtcdException(string.Create(CultureInfo.InvariantCulture, $"etcd at {endpoint} did not answer {request.RequestUri!.AbsolutePath} within {_requestTimeout}."), exception);
        }
        catch (HttpRequestException exception)
        {
            MoveOn(index);
            throw new EtcdException($"etcd at {endpoint} is unreachable: {exception.Message}", exception);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            GatewayError? error = null;
            try
            {
                error = JsonSerializer.Deserialize(bytes, EtcdJsonContext.Default.GatewayError);
            }
            catch (JsonException)
            {
                // Not etcd's error document (a proxy's page, say): reported with the status below.
            }

            if (error is { StatusCode: not 0 })
            {
                if (error.StatusCode == EtcdConstants.Unauthenticated && authenticate)
                {
                    Interlocked.Exchange(ref _tokens[index], null);
                }

                throw ToException(error, endpoint);
            }

            MoveOn(index);
            throw new EtcdException(string.Create(CultureInfo.InvariantCulture, $"etcd at {endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase} to {request.RequestUri!.AbsolutePath}: {EtcdKeys.Quote(bytes)}"));
        }
    }

    /// <summary>The token of the member at <paramref name="index"/>, from <c>/v3/auth/authenticate</c> when it has none yet.</summary>
    private async Task<string> GetTokenAsync(int index, Uri endpoint, CancellationToken cancellationToken, CancellationToken timeoutToken)
    {
        if (Volatile.Read(ref _tokens[index]) is { } token)
        {
            return token;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "v3/auth/authenticate"))
        {
            Content = JsonContent.Create(_credentials!, EtcdJsonContext.Default.AuthenticateRequest),
        };
        using var response = await SendCoreAsync(request, index, endpoint, HttpCompletionOption.ResponseContentRead, authenticate: false, cancellationToken, timeoutToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(timeoutToken).ConfigureAwait(false);
        var answer = Deserialize(bytes, EtcdJsonContext.Default.AuthenticateResponse, endpoint);
        if (string.IsNullOrEmpty(answer.Token))
        {
            throw new EtcdException($"etcd at {endpoint} authenticated user '{_credentials!.Name}' without a token: is authentication enabled on the cluster?");
        }

        Volatile.Write(ref _tokens[index], answer.Token);
        return answer.Token;
    }

    private async Task<string?> ReadLineAsync(StreamReader reader, int index, Uri endpoint, CancellationToken cancellationToken)
    {
        string? line;
        try
        {
            line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            MoveOn(index);
            throw new EtcdException($"The watch stream of etcd at {endpoint} broke: {exception.Message}", exception);
        }

        if (line is null)
        {
            MoveOn(index);
            throw new EtcdException($"etcd at {endpoint} ended the watch stream.");
        }

        return line;
    }

    /// <summary>Moves calls on to the next member, unless another call already did.</summary>
    private void MoveOn(int failed)
    {
        if (_endpoints.Length > 1)
        {
            Interlocked.CompareExchange(ref _current, (failed + 1) % _endpoints.Length, failed);
        }
    }
}
