using System.Net;
using Balancer.Client.Grpc.Tests.Echo;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Grpc.Tests.Infrastructure;

/// <summary>
/// A real gRPC server (Grpc.AspNetCore on Kestrel, HTTP/2 without TLS) on 127.0.0.1 with an ephemeral port, whose
/// behaviour a test changes while it runs: a delay per call, a status to fail with, a gate that holds streams open.
/// It can be stopped (the port then refuses connections) and started again on the same port.
/// </summary>
public sealed class GrpcBackend : IAsyncDisposable
{
    private WebApplication? _app;
    private int _received;
    private int _inFlight;

    private GrpcBackend(string name) => Name = name;

    public string Name { get; }

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>How long each unary call takes on the server.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set, every call ends with this status (after <see cref="Delay"/>).</summary>
    public StatusCode? FailWith { get; set; }

    /// <summary>When set, every unary call sends it as its <c>endpoint-load-metrics-bin</c> trailer (a serialized ORCA report).</summary>
    public byte[]? LoadReport { get; set; }

    /// <summary>When set, a stream waits for it after its first message.</summary>
    public TaskCompletionSource? StreamGate { get; set; }

    public int Received => Volatile.Read(ref _received);

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool IsRunning => _app is not null;

    /// <summary>The server's grpc.health.v1 service: the whole server ("") is SERVING until a test says otherwise.</summary>
    public global::Grpc.HealthCheck.HealthServiceImpl Health { get; } = CreateHealth();

    private static global::Grpc.HealthCheck.HealthServiceImpl CreateHealth()
    {
        var health = new global::Grpc.HealthCheck.HealthServiceImpl();
        health.SetStatus(string.Empty, global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        return health;
    }

    public static async Task<GrpcBackend> StartAsync(string name)
    {
        var backend = new GrpcBackend(name);
        await backend.StartAsync(port: 0);
        return backend;
    }

    public void ResetCounters() => Interlocked.Exchange(ref _received, 0);

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public Task RestartAsync() => IsRunning ? Task.CompletedTask : StartAsync(Port);

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.AddSingleton(Health);
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        app.MapGrpcService<global::Grpc.HealthCheck.HealthServiceImpl>();
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    internal sealed class EchoService(GrpcBackend backend) : Echo.Echo.EchoBase
    {
        public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref backend._received);
            Interlocked.Increment(ref backend._inFlight);
            try
            {
                if (backend.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(backend.Delay, context.CancellationToken);
                }

                if (backend.FailWith is { } status)
                {
                    throw new RpcException(new Status(status, $"{backend.Name} fails with {status}"));
                }

                if (backend.LoadReport is { } report)
                {
                    context.ResponseTrailers.Add("endpoint-load-metrics-bin", report);
                }

                return new EchoReply { Text = request.Text, Server = backend.Name };
            }
            finally
            {
                Interlocked.Decrement(ref backend._inFlight);
            }
        }

        public override async Task Stream(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            Interlocked.Increment(ref backend._received);
            Interlocked.Increment(ref backend._inFlight);
            try
            {
                for (var i = 0; i < request.Count; i++)
                {
                    await responseStream.WriteAsync(new EchoReply { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Server = backend.Name });
                    if (i == 0 && backend.StreamGate is { } gate)
                    {
                        await gate.Task.WaitAsync(context.CancellationToken);
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref backend._inFlight);
            }
        }
    }
}

/// <summary>Several <see cref="GrpcBackend"/>s, disposed together.</summary>
public sealed class GrpcBackends : IAsyncDisposable
{
    private GrpcBackends(GrpcBackend[] backends) => All = backends;

    public GrpcBackend[] All { get; }

    public GrpcBackend this[int index] => All[index];

    public static async Task<GrpcBackends> StartAsync(int count) =>
        new(await Task.WhenAll(Enumerable.Range(0, count).Select(i => GrpcBackend.StartAsync($"server-{i}"))));

    public void ResetCounters()
    {
        foreach (var backend in All)
        {
            backend.ResetCounters();
        }
    }

    public double ShareOf(int index) => (double)All[index].Received / Math.Max(1, All.Sum(b => b.Received));

    public string Describe() => string.Join(", ", All.Select(b => $"{b.Name}={b.Received}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var backend in All)
        {
            await backend.DisposeAsync();
        }
    }
}
