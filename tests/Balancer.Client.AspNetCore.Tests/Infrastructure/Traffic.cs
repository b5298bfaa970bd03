using System.Diagnostics;

namespace Balancer.Client.AspNetCore.Tests.Infrastructure;

/// <summary>Requests through a balanced client, always bounded in count and in time.</summary>
internal static class Traffic
{
    /// <summary>Sends <paramref name="count"/> GETs with <paramref name="concurrency"/> workers (at most 30 s); returns how many failed.</summary>
    public static async Task<int> SendAsync(HttpClient client, int count, int concurrency = 4)
    {
        var failures = 0;
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = limit.Token };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (_, token) =>
        {
            if (!await TryGetAsync(client, token))
            {
                Interlocked.Increment(ref failures);
            }
        });
        return failures;
    }

    /// <summary>
    /// Sends GETs with <paramref name="concurrency"/> workers, each pausing <paramref name="pause"/> between requests,
    /// until <paramref name="stop"/> is cancelled, <paramref name="maxCount"/> were sent or <paramref name="timeLimit"/> passed.
    /// </summary>
    public static Task RunAsync(HttpClient client, int concurrency, TimeSpan pause, int maxCount, TimeSpan timeLimit, CancellationToken stop)
    {
        var sent = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeLimit.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!stop.IsCancellationRequested && Stopwatch.GetTimestamp() < deadline && Interlocked.Increment(ref sent) <= maxCount)
            {
                await TryGetAsync(client, stop);
                try
                {
                    await Task.Delay(pause, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }));
    }

    private static async Task<bool> TryGetAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync("/items", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        // SocketsHttpHandler lets a bare SocketException (NotConnected) out when a connection is reset while it opens.
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
