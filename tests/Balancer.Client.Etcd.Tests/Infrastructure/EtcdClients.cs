using System.Diagnostics;
using Microsoft.Extensions.Logging.Testing;

namespace Balancer.Client.Etcd.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class EtcdTestGroup
{
    /// <summary>The tests with a real etcd run one after the other: each starts its own etcd and measures delays.</summary>
    public const string Name = "etcd";
}

/// <summary>Builds balanced clients with an etcd source and registers backends, the way an application would.</summary>
internal static class EtcdClients
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    /// <summary>A client that sends each request to the next endpoint (round robin) and logs to a fake collector.</summary>
    public static ServiceProvider Build(
        string name,
        string prefix,
        IReadOnlyList<Uri> etcd,
        Action<IServiceCollection>? services = null,
        Action<BalancerOptions>? client = null,
        Action<EtcdEndpointSourceOptions>? source = null)
    {
        var collection = new ServiceCollection();
        collection.AddFakeLogging();
        services?.Invoke(collection);
        collection.AddBalancedHttpClient(name, o =>
        {
            o.Selector = "RoundRobin";
            o.Health.SlowStart.Window = TimeSpan.Zero;
            client?.Invoke(o);
        }).AddEtcdEndpoints(o =>
        {
            o.Endpoints = [.. etcd];
            o.Prefix = prefix;
            o.RetryDelay = TimeSpan.FromMilliseconds(100);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            source?.Invoke(o);
        });
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public static HttpClient CreateClient(this IServiceProvider provider, string name) =>
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>The library's log records with <paramref name="eventId"/> (the etcd source's or the client's, not the HTTP handlers').</summary>
    public static IReadOnlyList<FakeLogRecord> Logs(this IServiceProvider provider, int eventId) =>
        [.. provider.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == eventId && r.Category is "Balancer.Client" or "Balancer.Client.Etcd")];

    public static Task<EtcdRegistration> RegisterAsync(EtcdServer etcd, string prefix, ScriptedBackend backend, TimeSpan? ttl = null) =>
        EtcdRegistration.RegisterAsync(
            new EtcdClientOptions { Endpoints = [etcd.ClientUrl] },
            prefix,
            new EtcdInstance { Address = backend.Address.ToString(), Zone = "test" },
            ttl ?? TimeSpan.FromSeconds(30));

    /// <summary>How long after <paramref name="since"/> the last request that reached <paramref name="backend"/> was sent (negative: before).</summary>
    public static TimeSpan LastSentAfter(ScriptedBackend backend, long since) =>
        BatchLoad.SentTimes(backend) is { Count: > 0 } times ? Stopwatch.GetElapsedTime(since, times.Max()) : TimeSpan.MinValue;

    /// <summary>How long after <paramref name="since"/> the first request that reached <paramref name="backend"/> was sent.</summary>
    public static TimeSpan FirstSentAfter(ScriptedBackend backend, long since) =>
        Stopwatch.GetElapsedTime(since, BatchLoad.SentTimes(backend).Min());
}
