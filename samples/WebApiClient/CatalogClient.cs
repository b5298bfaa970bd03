namespace WebApiClient;

/// <summary>A typed client of the catalog service; the balancer picks the instance for every call.</summary>
public sealed class CatalogClient(HttpClient http)
{
    public async Task<string> GetProductAsync(int id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/products/{id}", cancellationToken);
        response.EnsureSuccessStatusCode();
        var instance = response.Headers.TryGetValues("X-Backend", out var values) ? values.First() : "?";
        return $"product {id} from {instance}";
    }
}
