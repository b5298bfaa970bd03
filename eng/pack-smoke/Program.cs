// Consumes the packed Balancer.Client package like an application following docs/getting-started.md would: a balanced
// client with the balancer's retry, over one local backend and one endpoint that refuses connections. Then the packed
// Balancer.Client.Grpc package: a balanced gRPC channel over a local HTTP/2 endpoint that answers one unary method.
using System.Net;
using System.Net.Sockets;
using Balancer.Client.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var backendBuilder = WebApplication.CreateBuilder();
backendBuilder.Logging.ClearProviders();
var backend = backendBuilder.Build();
backend.Urls.Add("http://127.0.0.1:0");
backend.MapGet("/hello", () => "hello from the backend");
await backend.StartAsync();

// A port that was just free and is closed again: connections to it are refused.
var closed = new TcpListener(IPAddress.Loopback, 0);
closed.Start();
var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
closed.Stop();

var services = new ServiceCollection();
services.AddBalancedHttpClient("hello", o => o
        .AddEndpoint(backend.Urls.First())
        .AddEndpoint($"http://127.0.0.1:{closedPort}"))
    .AddBalancerRetry();
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("hello");

var answers = 0;
for (var i = 0; i < 20; i++)
{
    if (await client.GetStringAsync("/hello") == "hello from the backend")
    {
        answers++;
    }
}

Console.WriteLine($"balanced requests answered: {answers} of 20");
if (answers == 20)
{
    Console.WriteLine("balanced request answered: hello from the backend");
}

// gRPC: the server side answers /smoke.Echo/Ping by hand (a length-prefixed message and an OK status in the trailers),
// so that the application needs no generated code; the client side is the packed package's balanced channel.
var grpcBuilder = WebApplication.CreateBuilder();
grpcBuilder.Logging.ClearProviders();
grpcBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
var grpcServer = grpcBuilder.Build();
grpcServer.MapPost("/smoke.Echo/Ping", async context =>
{
    context.Response.ContentType = "application/grpc";
    byte[] reply = [0, 0, 0, 0, 4, (byte)'p', (byte)'o', (byte)'n', (byte)'g'];
    await context.Response.Body.WriteAsync(reply);
    context.Response.AppendTrailer("grpc-status", "0");
});
await grpcServer.StartAsync();

var grpcServices = new ServiceCollection();
grpcServices.AddHttpClient("smoke").AddBalancer(o => o.AddEndpoint(grpcServer.Urls.First()));
await using var grpcProvider = grpcServices.BuildServiceProvider();
using var channel = BalancerGrpcChannel.ForClient(grpcProvider, "smoke");
var marshaller = Marshallers.Create(static (byte[] b) => b, static b => b);
var ping = new Method<byte[], byte[]>(MethodType.Unary, "smoke.Echo", "Ping", marshaller, marshaller);
var grpcAnswers = 0;
for (var i = 0; i < 10; i++)
{
    var pong = await channel.CreateCallInvoker().AsyncUnaryCall(ping, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), [1]);
    if (System.Text.Encoding.ASCII.GetString(pong) == "pong")
    {
        grpcAnswers++;
    }
}

Console.WriteLine($"balanced gRPC calls answered: {grpcAnswers} of 10");
if (grpcAnswers == 10)
{
    Console.WriteLine("balanced gRPC call answered: pong");
}

await grpcServer.StopAsync();
await backend.StopAsync();
return answers == 20 && grpcAnswers == 10 ? 0 : 1;
