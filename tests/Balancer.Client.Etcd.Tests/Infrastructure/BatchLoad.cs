using System.Diagnostics;
using System.Globalization;

namespace Balancer.Client.Etcd.Tests.Infrastructure;

/// <summary>
/// Sends batches of 8 concurrent GETs, one batch after the other, until stopped (at most 60 s). Each request's path
/// carries the moment it was sent (<c>/load/{Stopwatch timestamp}</c>), so a test can tell from a backend's request
/// log when the last request it received was sent.
/// </summary>
internal sealed class BatchLoad : IAsyncDisposable
{
    public const int Workers = 8;
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly HttpClient _client;
    private readonly Task _loop;
    private TaskCompletionSource? _afterMark;
    private int _failures;
    private int _successes;

    public BatchLoad(HttpClient client)
    {
        _client = client;
        _loop = Task.Run(RunAsync);
    }

    public int Failures => Volatile.Read(ref _failures);

    public int Successes => Volatile.Read(ref _successes);

    /// <summary>The moments (Stopwatch timestamps) at which the requests a backend received were sent.</summary>
    public static IReadOnlyList<long> SentTimes(ScriptedBackend backend) =>
        [.. backend.Received.Select(r => r.PathAndQuery).Where(p => p.StartsWith("/load/", StringComparison.Ordinal)).Select(p => long.Parse(p["/load/".Length..], CultureInfo.InvariantCulture))];

    /// <summary>Completes when a batch that started after this call has completed.</summary>
    public Task WaitForBatchStartedAfterAsync()
    {
        var mark = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _afterMark, mark);
        return mark.Task.WaitAsync(s_waitLimit);
    }

    /// <summary>Keeps the load going until <paramref name="condition"/> holds (checked after each batch), at most <paramref name="limit"/>.</summary>
    public async Task<bool> RunUntilAsync(Func<bool> condition, TimeSpan limit)
    {
        var start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(start) > limit)
            {
                return false;
            }

            await WaitForBatchStartedAfterAsync();
        }

        return true;
    }

    /// <summary>Keeps the load going until it has sent batches for <paramref name="duration"/> after <paramref name="since"/>.</summary>
    public async Task RunUntilAsync(long since, TimeSpan duration)
    {
        while (Stopwatch.GetElapsedTime(since) < duration)
        {
            await WaitForBatchStartedAfterAsync();
        }

        await WaitForBatchStartedAfterAsync();
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var mark = Volatile.Read(ref _afterMark);
            var results = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => TryGetAsync()));
            Interlocked.Add(ref _failures, results.Count(ok => !ok));
            Interlocked.Add(ref _successes, results.Count(ok => ok));
            mark?.TrySetResult();
        }
    }

    private async Task<bool> TryGetAsync()
    {
        try
        {
            using var response = await _client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"/load/{Stopwatch.GetTimestamp()}"));
            return response.IsSuccessStatusCode;
        }
        // SocketsHttpHandler lets a bare SocketException (NotConnected) out when a connection is reset while it opens.
        catch (Exception e) when (e is HttpRequestException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
