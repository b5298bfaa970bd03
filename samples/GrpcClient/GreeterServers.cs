using System.Net;
using Grpc.Core;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrpcClient;

/// <summary>A local greeter server on 127.0.0.1 (HTTP/2 without TLS), with the standard health service, that can be slow or stopped.</summary>
internal sealed class GreeterServer : IAsyncDisposable
{
    private WebApplication? _app;
    private int _calls;

    public required string Name { get; init; }

    public TimeSpan Delay { get; init; }

    public int Port { get; private set; }

    public int Calls => Volatile.Read(ref _calls);

    public static async Task<GreeterServer> StartAsync(string name, TimeSpan delay)
    {
        var server = new GreeterServer { Name = name, Delay = delay };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(server);
        var health = new HealthServiceImpl();
        health.SetStatus(string.Empty, Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving);
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.MapGrpcService<GreeterService>();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        server.Port = new Uri(app.Urls.First()).Port;
        server._app = app;
        return server;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private sealed class GreeterService(GreeterServer server) : Greeter.GreeterBase
    {
        public override async Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref server._calls);
            await Task.Delay(server.Delay, context.CancellationToken);
            return new HelloReply { Message = $"Hello {request.Name}", Server = server.Name };
        }

        public override async Task SayHellos(HelloRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
        {
            Interlocked.Increment(ref server._calls);
            for (var i = 0; i < 3; i++)
            {
                await responseStream.WriteAsync(new HelloReply { Message = $"Hello {request.Name} #{i}", Server = server.Name });
            }
        }
    }
}
