using System.Diagnostics;

namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>What <see cref="Load.GetUntilAsync"/> did.</summary>
/// <param name="Sent">The number of requests sent.</param>
/// <param name="Failed">The number that failed (exception or non-2xx).</param>
/// <param name="Stopped">Whether the stop condition ended the run (rather than the count or time limit).</param>
internal sealed record LoadRun(int Sent, int Failed, bool Stopped);

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

    /// <summary>
    /// Sends GETs with <paramref name="concurrency"/> workers until <paramref name="stop"/> returns <see langword="true"/>,
    /// <paramref name="maxCount"/> were sent or <paramref name="timeLimit"/> passed (requests under way then finish).
    /// Each worker pauses <paramref name="pause"/> between its requests, to leave the cores to others while waiting.
    /// </summary>
    /// <returns>How many were sent, how many failed, and whether <paramref name="stop"/> ended the run.</returns>
    public static async Task<LoadRun> GetUntilAsync(HttpClient client, string path, int concurrency, Func<bool> stop, int maxCount, TimeSpan? timeLimit = null, TimeSpan? pause = null)
    {
        var sent = 0;
        var failures = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)((timeLimit ?? DefaultTimeLimit).TotalSeconds * Stopwatch.Frequency);
        var stopped = false;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (true)
            {
                if (stop())
                {
                    Volatile.Write(ref stopped, true);
                    return;
                }

                if (Stopwatch.GetTimestamp() >= deadline || Interlocked.Increment(ref sent) > maxCount)
                {
                    return;
                }

                if (!await TryGetAsync(client, path))
                {
                    Interlocked.Increment(ref failures);
                }

                if (pause is { } p)
                {
                    await Task.Delay(p);
                }
            }
        });
        await Task.WhenAll(workers);
        return new LoadRun(Math.Min(sent, maxCount), failures, stopped || stop());
    }

    /// <summary>Sends one GET; <see langword="true"/> for a 2xx answer, <see langword="false"/> for another status or a transport error.</summary>
    public static async Task<bool> TryGetAsync(HttpClient client, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await client.GetAsync(path, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        // SocketsHttpHandler lets a bare SocketException (NotConnected) out when a connection is reset while it opens.
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
