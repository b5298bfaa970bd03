using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Network;

/// <summary>
/// Times the connections a balanced client opens, by wrapping <see cref="SocketsHttpHandler.ConnectCallback"/> of its
/// primary handler: the application's own callback still runs (and is timed as a whole); without one, the socket is
/// opened as the handler would. Each connect time is a round-trip sample of the endpoint it was opened to, found
/// among the endpoints the request tried (else among the client's endpoints); each failed connect counts against it.
/// When an attempt's Host header names another host than its HTTPS endpoint, the callback also does the TLS handshake,
/// to the endpoint (see <see cref="EndpointTls"/>); the handshake is not part of the connect time.
/// </summary>
internal sealed class ConnectTimer
{
    private readonly SocketsHttpHandler _handler;
    private readonly Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? _inner;
    private readonly Func<BalancerEndpoint[]> _endpoints;
    private readonly TimeProvider _timeProvider;

    private ConnectTimer(SocketsHttpHandler handler, Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? inner, Func<BalancerEndpoint[]> endpoints, TimeProvider timeProvider)
    {
        _handler = handler;
        _inner = inner;
        _endpoints = endpoints;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Wraps the connect callback of <paramref name="primaryHandler"/> when it is a <see cref="SocketsHttpHandler"/>
    /// not wrapped yet and not used yet (a handler that already sent requests can no longer be changed).
    /// </summary>
    /// <returns>Whether the handler's connections are timed.</returns>
    public static bool TryInstall(HttpMessageHandler? primaryHandler, Func<BalancerEndpoint[]> endpoints, TimeProvider timeProvider)
    {
        if (primaryHandler is not SocketsHttpHandler handler)
        {
            return false;
        }

        var inner = handler.ConnectCallback;
        if (inner?.Target is ConnectTimer)
        {
            return true;
        }

        try
        {
            handler.ConnectCallback = new ConnectTimer(handler, inner, endpoints, timeProvider).ConnectAsync;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var start = _timeProvider.GetTimestamp();
        Stream stream;
        try
        {
            stream = _inner is null
                ? await ConnectSocketAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false)
                : await _inner(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Record(context, null);
            throw;
        }

        Record(context, (double)(_timeProvider.GetTimestamp() - start) / _timeProvider.TimestampFrequency);
        if (stream is not SslStream && EndpointTls.IsNeeded(context))
        {
            return await EndpointTls.AuthenticateAsync(stream, context, _handler.SslOptions, cancellationToken).ConfigureAwait(false);
        }

        return stream;
    }

    private static async ValueTask<Stream> ConnectSocketAsync(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Record(SocketsHttpConnectionContext context, double? seconds)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var port = context.DnsEndPoint.Port;
        var tried = AttemptContext.GetTried(context.InitialRequestMessage);
        for (var i = tried.Length - 1; i >= 0; i--)
        {
            if (Matches(tried[i], host, port))
            {
                Record(tried[i], seconds);
                return;
            }
        }

        foreach (var endpoint in _endpoints())
        {
            if (Matches(endpoint, host, port))
            {
                Record(endpoint, seconds);
            }
        }
    }

    private static void Record(BalancerEndpoint endpoint, double? seconds)
    {
        if (seconds is { } value)
        {
            endpoint.Stats.Network.Record(value);
        }
        else
        {
            endpoint.Stats.Network.RecordFailure();
        }
    }

    private static bool Matches(BalancerEndpoint endpoint, string host, int port) =>
        endpoint.Port == port && string.Equals(endpoint.Address.DnsSafeHost, host, StringComparison.OrdinalIgnoreCase);
}
