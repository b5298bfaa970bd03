using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Testing;

namespace Balancer.Client.ServiceDiscovery.Tests.Infrastructure;

/// <summary>
/// A container the way an application builds one with Microsoft.Extensions.ServiceDiscovery: configuration whose
/// <c>Services:{name}</c> keys can change and reload, fake logging, and the services the test adds.
/// </summary>
internal sealed class DiscoveryHost : IAsyncDisposable
{
    private DiscoveryHost(ServiceProvider provider, IConfigurationRoot configuration, MutableConfigurationSource settings)
    {
        Provider = provider;
        Configuration = configuration;
        Settings = settings;
    }

    public ServiceProvider Provider { get; }

    public IConfigurationRoot Configuration { get; }

    public MutableConfigurationSource Settings { get; }

    public FakeLogCollector Logs => Provider.GetFakeLogCollector();

    public static DiscoveryHost Create(IEnumerable<KeyValuePair<string, string?>> settings, Action<IServiceCollection> services)
    {
        // A key that always stays: the mutable source loads its initial data again whenever it is empty.
        var source = new MutableConfigurationSource([.. settings, KeyValuePair.Create<string, string?>("Test:Host", "discovery")]);
        var configuration = new ConfigurationBuilder().Add(source).Build();
        var collection = new ServiceCollection();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddFakeLogging();
        services(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        return new DiscoveryHost(provider, configuration, source);
    }

    /// <summary>The configuration of <paramref name="service"/>'s endpoints as host:port pairs, in section <c>http</c>.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Endpoints(string service, params ScriptedBackend[] backends) =>
        backends.Select((b, i) => KeyValuePair.Create<string, string?>(
            string.Create(CultureInfo.InvariantCulture, $"Services:{service}:http:{i}"),
            string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{b.Port}")));

    /// <summary>Replaces the endpoints of <paramref name="service"/> in configuration and reloads it (its change token fires).</summary>
    public void SetEndpoints(string service, params ScriptedBackend[] backends)
    {
        Settings.Remove($"Services:{service}");
        foreach (var pair in Endpoints(service, backends))
        {
            Settings.Set(pair.Key, pair.Value);
        }

        Configuration.Reload();
    }

    public HttpClient CreateClient(string name) => Provider.CreateClient(name);

    public ValueTask DisposeAsync() => Provider.DisposeAsync();
}
