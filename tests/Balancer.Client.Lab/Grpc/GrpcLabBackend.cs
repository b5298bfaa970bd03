using System.Net;
using Balancer.Client.Grpc.Tests.Echo;
using Balancer.Client.Testing;
using Balancer.Client.Testing.Internal;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Lab.Grpc;

/// <summary>
/// A gRPC server (Grpc.AspNetCore on Kestrel, HTTP/2 without TLS) on 127.0.0.1 that answers the Echo service's unary
/// call exactly as a <see cref="ScriptedBackend"/> answers a request, with the same state types: it waits out a stall
/// window, is reset (<see cref="BackendBehavior.ResetRate"/>: the stream is aborted), fails fast with UNAVAILABLE
/// (RESOURCE_EXHAUSTED for a 429 <see cref="BackendBehavior.FailureStatusCode"/>), swallows the call, or queues for one
/// of <see cref="BackendBehavior.Capacity"/> service slots in arrival order and is served for a service time drawn
/// around the mean × slowdown × the factor of the request's path (the request text). It can be stopped (held calls
/// are aborted, the port refuses connections) and started again on the same port.
/// </summary>
internal sealed class GrpcLabBackend : IAsyncDisposable
{
    /// <summary>The start of the detail of a scripted fast failure, so that the lab tells it from a transport error.</summary>
    public const string FailureDetail = "scripted failure";

    private const int RestartAttempts = 10;
    private static readonly TimeSpan s_shutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly BackendState _state;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private Host? _host;

    private GrpcLabBackend(BackendState state, Host host)
    {
        _state = state;
        _host = host;
        Port = host.Port;
        Address = new Uri(FormattableString.Invariant($"http://127.0.0.1:{Port}"));
    }

    public string Name => _state.Name;

    public int Port { get; }

    public Uri Address { get; }

    public BackendBehavior Behavior => _state.Behavior;

    public bool IsRunning => Volatile.Read(ref _host) is not null;

    public long RequestsReceived => _state.Received.Value;

    public int QueueLength => _state.Pending;

    public static async Task<GrpcLabBackend> StartAsync(BackendOptions options)
    {
        var state = new BackendState(options);
        return new GrpcLabBackend(state, await Host.StartAsync(state, 0).ConfigureAwait(false));
    }

    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Interlocked.Exchange(ref _host, null) is { } host)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task RestartAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            for (var attempt = 1; _host is null; attempt++)
            {
                try
                {
                    Volatile.Write(ref _host, await Host.StartAsync(_state, Port).ConfigureAwait(false));
                }
                catch (IOException) when (attempt < RestartAttempts)
                {
                    // The listening socket of the previous run may still be closing; give it a moment.
                    await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>One run of the server: a Kestrel host whose stopping token aborts the calls it still holds.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Host(WebApplication app, CancellationTokenSource stopping)
        {
            _app = app;
            Stopping = stopping;
        }

        public CancellationTokenSource Stopping { get; }

        public int Port { get; private set; }

        public static async Task<Host> StartAsync(BackendState state, int port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;

                // Calls queue in the backend's capacity gate, as HTTP requests do, not in HTTP/2's stream limit.
                kestrel.Limits.Http2.MaxStreamsPerConnection = 10_000;
                kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
            });
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = s_shutdownTimeout);
            builder.Services.AddGrpc();
            var stopping = new CancellationTokenSource();
            builder.Services.AddSingleton(new EchoService(state, stopping.Token));
            var app = builder.Build();
            app.MapGrpcService<EchoService>();
            var host = new Host(app, stopping);
            try
            {
                await app.StartAsync().ConfigureAwait(false);
                host.Port = new Uri(app.Urls.First()).Port;
                return host;
            }
            catch
            {
                await app.DisposeAsync().ConfigureAwait(false);
                stopping.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Stopping.CancelAsync().ConfigureAwait(false);
            using (var timeout = new CancellationTokenSource(s_shutdownTimeout))
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }

            await _app.DisposeAsync().ConfigureAwait(false);
            Stopping.Dispose();
        }
    }

    /// <summary>The Echo service's unary call, answered as <see cref="BackendBehavior"/> says (see the class summary).</summary>
    private sealed class EchoService(BackendState state, CancellationToken stopping) : Echo.EchoBase
    {
        public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
        {
            var arrival = state.Time.GetTimestamp();
            state.Received.Increment();
            state.Arrivals.Mark();
            state.OnPending(1);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
            var token = linked.Token;
            try
            {
                await state.WaitOutStallAsync(arrival, token).ConfigureAwait(false);
                var behavior = state.Behavior;
                var draw = state.Random.NextDouble();
                if (draw < behavior.ResetRate)
                {
                    state.Errors.Mark();
                    context.GetHttpContext().Abort();
                    throw new RpcException(new Status(StatusCode.Unavailable, "reset"));
                }

                if (draw < behavior.ResetRate + behavior.FailureRate)
                {
                    state.Errors.Mark();
                    var code = behavior.FailureStatusCode == 429 ? StatusCode.ResourceExhausted : StatusCode.Unavailable;
                    throw new RpcException(new Status(code, $"{FailureDetail} of {state.Name}"));
                }

                if (behavior.BlackHole)
                {
                    await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                }

                await state.ServeAsync(behavior, behavior.PathFactor("/" + request.Text), token).ConfigureAwait(false);
                state.OnServed();
                return new EchoReply { Server = state.Name };
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // The client gave up, or the server is stopping: drop the stream instead of answering.
                context.GetHttpContext().Abort();
                throw new RpcException(new Status(StatusCode.Cancelled, "aborted"));
            }
            finally
            {
                state.OnPending(-1);
            }
        }
    }
}
