using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Benchmarks;

/// <summary>
/// One GET answered "ok", sent sequentially: a plain <see cref="HttpClient"/> (baseline), an IHttpClientFactory client
/// without balancing, a factory client with Microsoft.Extensions.ServiceDiscovery's handler (<c>AddServiceDiscovery()</c>,
/// the endpoint from configuration, its round-robin selector), and a balanced client with one endpoint (default
/// options). The difference between the factory client and the last two is what each adds. Over <see cref="HandlerTransport.Loopback"/> the answer comes from a Kestrel
/// backend on 127.0.0.1 through <see cref="SocketsHttpHandler"/> and a kept-alive connection; over
/// <see cref="HandlerTransport.InMemory"/> a stub primary handler answers at once, which leaves only the cost of the
/// handler chains. Factory clients never rotate their primary handler.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[MinColumn]
public class HandlerBenchmarks
{
    private const string BalancedName = "backend";
    private const string FactoryName = "unbalanced";
    private const string DiscoveredName = "discovered";
    private static readonly Uri s_path = new("/", UriKind.Relative);

    private WebApplication? _backend;
    private ServiceProvider _services = null!;
    private HttpClient _plain = null!;
    private HttpClient _factory = null!;
    private HttpClient _balanced = null!;
    private HttpClient _discovered = null!;

    /// <summary>What answers the requests.</summary>
    public enum HandlerTransport
    {
        /// <summary>A Kestrel backend on 127.0.0.1, through <see cref="SocketsHttpHandler"/>.</summary>
        Loopback,

        /// <summary>A primary handler that answers without I/O.</summary>
        InMemory,
    }

    [Params(HandlerTransport.Loopback, HandlerTransport.InMemory)]
    public HandlerTransport Transport { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var backendUri = new Uri("http://127.0.0.1:5999/");
        if (Transport == HandlerTransport.Loopback)
        {
            _backend = StartBackend();
            var address = _backend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            backendUri = new Uri(address + "/");
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create<string, string?>($"Services:{DiscoveredName}:http:0", backendUri.Authority)])
            .Build());
        services.AddServiceDiscovery();
        services.AddHttpClient(DiscoveredName, c => c.BaseAddress = new Uri($"http://{DiscoveredName}/"))
            .ConfigurePrimaryHttpMessageHandler(CreatePrimaryHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddServiceDiscovery();
        services.AddHttpClient(FactoryName, c => c.BaseAddress = backendUri)
            .ConfigurePrimaryHttpMessageHandler(CreatePrimaryHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddBalancedHttpClient(BalancedName, o => o.AddEndpoint(backendUri.AbsoluteUri))
            .ConfigurePrimaryHttpMessageHandler(CreatePrimaryHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var clients = _services.GetRequiredService<IHttpClientFactory>();
        _factory = clients.CreateClient(FactoryName);
        _balanced = clients.CreateClient(BalancedName);
        _discovered = clients.CreateClient(DiscoveredName);
        _plain = new HttpClient(CreatePrimaryHandler()) { BaseAddress = backendUri };

        // Open the connections before measuring and check that every client gets the answer.
        foreach (var client in new[] { _plain, _factory, _discovered, _balanced })
        {
            var body = client.GetStringAsync(s_path).GetAwaiter().GetResult();
            if (body != "ok")
            {
                throw new InvalidOperationException($"Unexpected response '{body}'.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _factory.Dispose();
        _balanced.Dispose();
        _discovered.Dispose();
        _services.Dispose();
        if (_backend is not null)
        {
            _backend.StopAsync().GetAwaiter().GetResult();
            _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true)]
    public Task<string> Plain() => _plain.GetStringAsync(s_path);

    [Benchmark]
    public Task<string> Factory() => _factory.GetStringAsync(s_path);

    [Benchmark]
    public Task<string> ServiceDiscovery() => _discovered.GetStringAsync(s_path);

    [Benchmark]
    public Task<string> Balanced() => _balanced.GetStringAsync(s_path);

    private static WebApplication StartBackend()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        app.StartAsync().GetAwaiter().GetResult();
        return app;
    }

    private HttpMessageHandler CreatePrimaryHandler() =>
        Transport == HandlerTransport.Loopback ? new SocketsHttpHandler() : new OkHandler();

    /// <summary>Answers every request with 200 "ok" without I/O.</summary>
    private sealed class OkHandler : HttpMessageHandler
    {
        private static readonly byte[] s_ok = "ok"u8.ToArray();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(s_ok), RequestMessage = request });
    }
}
