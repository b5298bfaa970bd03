using Balancer.Client.DependencyInjection;
using Balancer.Client.Grpc.Internal;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Grpc;

/// <summary>
/// Creates balanced channels without the client factory (<c>GrpcChannel.ForAddress</c> users). The balanced client
/// must be registered, for example with <c>services.AddHttpClient("catalog").AddBalancer(...)</c> or
/// <c>services.AddGrpcClient&lt;T&gt;("catalog").AddBalancer(...)</c>.
/// </summary>
public static class BalancerGrpcChannel
{
    /// <summary>The address scheme of balanced channels: <c>balancer:///{name}</c>.</summary>
    public const string Scheme = BalancerResolverFactory.Scheme;

    /// <summary>Gets the channel address of balanced client <paramref name="name"/>: <c>balancer:///{name}</c>.</summary>
    /// <param name="name">The balanced client's name.</param>
    /// <returns>The address.</returns>
    public static Uri AddressOf(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new Uri($"{Scheme}:///{Uri.EscapeDataString(name)}");
    }

    /// <summary>
    /// Creates a channel to balanced client <paramref name="name"/>: address <c>balancer:///{name}</c>, the container
    /// as its service provider (resolver and policies), and the handler that records each call's gRPC status and
    /// stream lifetime. What <paramref name="options"/> sets is kept (a custom <see cref="GrpcChannelOptions.HttpHandler"/>
    /// is wrapped, and must be or wrap a <see cref="SocketsHttpHandler"/> for grpc-dotnet to balance).
    /// </summary>
    /// <param name="services">The container the client is registered in.</param>
    /// <param name="name">The balanced client's name.</param>
    /// <param name="options">Channel options to start from, or <see langword="null"/>.</param>
    /// <returns>The channel; the caller disposes it.</returns>
    public static GrpcChannel ForClient(IServiceProvider services, string name, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var registry = services.GetRequiredService<BalancerClientRegistry>();
        if (!registry.IsBalanced(name))
        {
            throw new InvalidOperationException($"Balancer client '{name}' is not registered; add it with AddGrpcClient<TClient>(\"{name}\").AddBalancer(...) or AddHttpClient(\"{name}\").AddBalancer(...).");
        }

        options ??= new GrpcChannelOptions();
        options.ServiceProvider ??= services;
        options.Credentials ??= DefaultCredentials(services, name);
        options.HttpHandler = CreateHttpHandler(options.HttpHandler);
        return GrpcChannel.ForAddress(AddressOf(name), options);
    }

    /// <summary>
    /// Creates the handler a balanced channel needs to record each call's gRPC status and stream lifetime, over
    /// <paramref name="inner"/> (by default a <see cref="SocketsHttpHandler"/> with multiple HTTP/2 connections).
    /// Without it, calls are still balanced, but a call's outcome is only what the channel reports: its response
    /// headers or its exception.
    /// </summary>
    /// <param name="inner">The transport, or <see langword="null"/> for the default one.</param>
    /// <returns>The handler, for <see cref="GrpcChannelOptions.HttpHandler"/>.</returns>
    public static HttpMessageHandler CreateHttpHandler(HttpMessageHandler? inner = null) =>
        new GrpcFeedbackHandler(inner ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true });

    /// <summary>TLS when the client's endpoints use https, plaintext (h2c) otherwise; a channel's own credentials win.</summary>
    internal static ChannelCredentials DefaultCredentials(IServiceProvider services, string name)
    {
        var state = services.GetRequiredService<BalancerClientRegistry>().Get(name);
        foreach (var endpoint in state.Endpoints)
        {
            if (string.Equals(endpoint.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
            {
                return ChannelCredentials.SecureSsl;
            }
        }

        return ChannelCredentials.Insecure;
    }
}
