namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>
/// Sends batches of concurrent GETs, one batch after the other, until stopped (at most 20 s), 8 at a time. A batch that started
/// after a given moment has, when it completes, outlived every request that was in flight at that moment.
/// </summary>
internal sealed class BatchLoad : IAsyncDisposable
{
    private const int BatchSize = 8;
    private const int MaxBatches = 20_000;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(20));
    private readonly Task _loop;
    private TaskCompletionSource? _afterMark;
    private int _failures;
    private int _successes;

    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);

    public BatchLoad(HttpClient client, string path = "/reload") => _loop = Task.Run(() => RunAsync(client, path));

    public int Failures => Volatile.Read(ref _failures);

    public int Successes => Volatile.Read(ref _successes);

    /// <summary>Completes when a batch that started after this call has completed.</summary>
    public Task WaitForBatchStartedAfterAsync()
    {
        var mark = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _afterMark, mark);
        return mark.Task.WaitAsync(s_waitLimit);
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

    private async Task RunAsync(HttpClient client, string path)
    {
        for (var batch = 0; batch < MaxBatches && !_stop.IsCancellationRequested; batch++)
        {
            var mark = Volatile.Read(ref _afterMark);
            var results = await Task.WhenAll(Enumerable.Range(0, BatchSize).Select(_ => Load.TryGetAsync(client, path)));
            Interlocked.Add(ref _failures, results.Count(ok => !ok));
            Interlocked.Add(ref _successes, results.Count(ok => ok));
            mark?.TrySetResult();
        }
    }
}
