using System.Net.Sockets;
using Balancer.Client.Testing;

namespace Balancer.Client.Lab;

/// <summary>How one request ended: its outcome, the backend that answered (when known) and an error message to sample (when it failed).</summary>
internal readonly record struct LoadAnswer(RequestOutcome Outcome, string? Backend = null, string? Error = null);

/// <summary>What <see cref="LoadGenerator"/> sends its requests through: a contender's client instances.</summary>
internal abstract class LoadTarget
{
    /// <summary>Gets the number of independent client instances; each request goes through one of them, drawn by the generator.</summary>
    public abstract int Clients { get; }

    /// <summary>Sends one request through client instance <paramref name="client"/> and classifies how it ended; does not throw for a failed request.</summary>
    public abstract Task<LoadAnswer> SendAsync(int client, Uri path, bool post, long number);

    public static T? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }

        return null;
    }

    public static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}

/// <summary>GETs (and POSTs with a body of their own, <c>post-{n}</c>) through <see cref="HttpClient"/>s; the backend by its <see cref="BackendHeaders.Backend"/> header.</summary>
internal sealed class HttpLoadTarget(IReadOnlyList<HttpClient> clients) : LoadTarget
{
    public override int Clients => clients.Count;

    public override async Task<LoadAnswer> SendAsync(int client, Uri path, bool post, long number)
    {
        try
        {
            HttpResponseMessage sent;
            if (post)
            {
                using var body = new StringContent(FormattableString.Invariant($"post-{number}"));
                sent = await clients[client].PostAsync(path, body).ConfigureAwait(false);
            }
            else
            {
                sent = await clients[client].GetAsync(path).ConfigureAwait(false);
            }

            using var response = sent;
            var backend = response.Headers.TryGetValues(BackendHeaders.Backend, out var names) ? names.First() : null;
            var code = (int)response.StatusCode;
            var outcome = response.IsSuccessStatusCode ? RequestOutcome.Succeeded : code >= 500 ? RequestOutcome.Status5xx : RequestOutcome.StatusOther;
            return new LoadAnswer(outcome, backend, outcome == RequestOutcome.Succeeded ? null : $"HTTP {code}");
        }
        catch (Exception exception)
        {
            var outcome = Classify(exception);
            return new LoadAnswer(outcome, Error: $"{outcome}: {exception.GetType().Name}: {Innermost(exception).Message}");
        }
    }

    private static RequestOutcome Classify(Exception exception)
    {
        switch (exception)
        {
            case TaskCanceledException { InnerException: TimeoutException }:
                return RequestOutcome.Timeout;
            case NoAvailableEndpointException:
                return RequestOutcome.NoEndpoint;
            case HttpRequestException http:
                var socket = FindInner<SocketException>(http);
                if (socket?.SocketErrorCode == SocketError.ConnectionRefused || http.HttpRequestError == HttpRequestError.ConnectionError)
                {
                    return RequestOutcome.Refused;
                }

                return http.HttpRequestError == HttpRequestError.ResponseEnded || socket?.SocketErrorCode == SocketError.ConnectionReset || FindInner<IOException>(http) is not null
                    ? RequestOutcome.Reset
                    : RequestOutcome.Other;
            default:
                return RequestOutcome.Other;
        }
    }
}
