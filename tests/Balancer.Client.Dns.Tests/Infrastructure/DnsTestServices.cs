using Microsoft.Extensions.Logging;

namespace Balancer.Client.Dns.Tests.Infrastructure;

/// <summary>Builds a container with one balanced client whose endpoints come from a DNS source, the way an application would.</summary>
internal static class DnsTestServices
{
    public static ServiceProvider Build(string name, Action<BalancerOptions> configure, Action<IHttpClientBuilder> client, LogRecorder? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Debug);
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        client(services.AddBalancedHttpClient(name, configure));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public static HttpClient CreateClient(this IServiceProvider provider, string name) =>
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>Sends a GET and returns the name of the backend that answered; fails on a non-success status.</summary>
    public static async Task<string> GetBackendAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues(BackendHeaders.Backend).Single();
    }
}
