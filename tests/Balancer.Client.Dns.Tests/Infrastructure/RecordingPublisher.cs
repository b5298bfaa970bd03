using System.Threading.Channels;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Dns.Tests.Infrastructure;

/// <summary>What a source did once: published a set, or reported an error.</summary>
internal sealed record Publication(IReadOnlyList<BalancerEndpointOptions>? Endpoints, Exception? Error)
{
    public IReadOnlyList<BalancerEndpointOptions> Published =>
        Endpoints ?? throw new InvalidOperationException($"The source reported an error instead of publishing: {Error}");
}

/// <summary>
/// The publisher a client gives its sources, reduced to a record of what the source did, so that a test can run a
/// source on its own and look at each publication. Its time provider is the test's.
/// </summary>
internal sealed class RecordingPublisher(TimeProvider timeProvider) : IEndpointPublisher
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);
    private readonly Channel<Publication> _publications = Channel.CreateUnbounded<Publication>();

    public string ClientName => "dns-test";

    public TimeProvider TimeProvider => timeProvider;

    public int Publish(IReadOnlyList<BalancerEndpointOptions> endpoints)
    {
        _publications.Writer.TryWrite(new Publication([.. endpoints], null));
        return endpoints.Count;
    }

    public void ReportError(Exception exception) => _publications.Writer.TryWrite(new Publication(null, exception));

    /// <summary>The next publication or error report.</summary>
    public Task<Publication> NextAsync() => _publications.Reader.ReadAsync().AsTask().WaitAsync(s_waitLimit);
}

/// <summary>A <see cref="FakeTimeProvider"/> that also tells which timers were created and for how long (the refresh delays of a source).</summary>
internal sealed class TimerRecordingTimeProvider : TimeProvider
{
    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(20);
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Fake { get; } = new();

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created.</summary>
    public Task<TimeSpan> NextTimerAsync() => _timers.Reader.ReadAsync().AsTask().WaitAsync(s_waitLimit);
}

/// <summary>A source running on its own against a <see cref="RecordingPublisher"/>; stopped when disposed.</summary>
internal sealed class SourceRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public SourceRun(IEndpointSource source, RecordingPublisher publisher) =>
        _running = Task.Run(() => source.RunAsync(publisher, _stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // How a source stops.
        }

        _stop.Dispose();
    }
}
