namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>Builds a container with one balanced client, the way an application would.</summary>
internal static class TestServices
{
    public static ServiceProvider Build(
        string name,
        Action<BalancerOptions> configure,
        Action<IHttpClientBuilder>? client = null,
        Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        var builder = collection.AddBalancedHttpClient(name, configure);
        client?.Invoke(builder);
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public static HttpClient CreateClient(this IServiceProvider provider, string name) =>
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>Sends a GET and returns the name of the backend that answered (header <c>X-Backend</c>); fails on a non-success status.</summary>
    public static async Task<string> GetBackendAsync(this HttpClient client, string path, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync(path, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response.BackendName();
    }

    public static string BackendName(this HttpResponseMessage response) =>
        response.Headers.GetValues(BackendHeaders.Backend).Single();
}
