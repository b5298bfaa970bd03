namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>Concurrent traffic that is bounded both in count and in time.</summary>
internal static class Load
{
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(30);

    /// <summary>Sends <paramref name="count"/> GETs with <paramref name="concurrency"/> workers; returns the number that failed (exception or non-2xx).</summary>
    public static async Task<int> GetAsync(HttpClient client, string path, int count, int concurrency, TimeSpan? timeLimit = null)
    {
        var failures = 0;
        using var limit = new CancellationTokenSource(timeLimit ?? DefaultTimeLimit);
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = limit.Token };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (_, token) =>
        {
            if (!await TryGetAsync(client, path, token))
            {
                Interlocked.Increment(ref failures);
            }
        });
        return failures;
    }

    /// <summary>Sends one GET; <see langword="true"/> for a 2xx answer, <see langword="false"/> for another status or a transport error.</summary>
    public static async Task<bool> TryGetAsync(HttpClient client, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await client.GetAsync(path, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
