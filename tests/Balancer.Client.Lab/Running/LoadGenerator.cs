using System.Collections.Concurrent;
using System.Diagnostics;
using Balancer.Client.Testing.Simulation;
using HdrHistogram;

namespace Balancer.Client.Lab;

/// <summary>How a request ended.</summary>
internal enum RequestOutcome
{
    Succeeded,
    Status5xx,
    StatusOther,
    Timeout,
    Refused,
    Reset,
    NoEndpoint,
    Other,
}

/// <summary>
/// Open-loop load: requests leave on a Poisson schedule fixed in advance by the seed, whether or not earlier ones
/// have answered, and each latency is measured from the moment the request was due to leave (so a slow answer or a
/// late dispatch cannot hide its own cost: no coordinated omission). Every request counts in the latency histogram,
/// failures at their time to failure and timeouts at the timeout.
/// </summary>
internal sealed class LoadGenerator
{
    public const long HighestTrackableMicroseconds = 600_000_000;
    private static readonly TimeSpan s_minimumWait = TimeSpan.FromMilliseconds(1);

    private readonly LoadTarget _target;
    private readonly Dictionary<string, int> _backendIndexes;
    private readonly double _rate;
    private readonly TimeSpan _duration;
    private readonly Random _random;
    private readonly long[] _outcomes = new long[Enum.GetValues<RequestOutcome>().Length];
    private readonly long[] _answeredBy;
    private readonly ConcurrentDictionary<string, int> _errorSamples = new(StringComparer.Ordinal);
    private readonly Uri[] _paths;
    private readonly double[] _pathCumulative;
    private readonly double _postShare;
    private long _sent;
    private long _postsSent;
    private long _failedGets;
    private long _failedPosts;

    /// <param name="postShare">The share of requests sent as a POST with a body of its own (<c>post-{n}</c>), so that the backends' request logs can tell a POST that arrived twice.</param>
    public LoadGenerator(IReadOnlyList<HttpClient> clients, IReadOnlyList<string> backendNames, double rate, TimeSpan duration, int seed, IReadOnlyList<RequestClass> requestClasses, double postShare = 0)
        : this(new HttpLoadTarget(clients), backendNames, rate, duration, seed, requestClasses, postShare)
    {
    }

    /// <summary>Sends the load through <paramref name="target"/> (the gRPC mode's clients, for example).</summary>
    public LoadGenerator(LoadTarget target, IReadOnlyList<string> backendNames, double rate, TimeSpan duration, int seed, IReadOnlyList<RequestClass> requestClasses, double postShare = 0)
    {
        _postShare = postShare;
        // Without request classes every request asks for the same path; with them, each draws its path by share.
        _paths = requestClasses.Count == 0 ? [ContenderClients.RequestUri] : [.. requestClasses.Select(c => new Uri(c.Path.TrimStart('/'), UriKind.Relative))];
        var total = requestClasses.Sum(c => c.Share);
        var cumulative = 0.0;
        _pathCumulative = [.. requestClasses.Select(c => cumulative += c.Share / total)];
        _target = target;
        _backendIndexes = backendNames.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
        _answeredBy = new long[backendNames.Count];
        _rate = rate;
        _duration = duration;
        _random = new Random(seed);
    }

    public LongConcurrentHistogram Latency { get; } = new(1, HighestTrackableMicroseconds, 3);

    public LongConcurrentHistogram DispatchLag { get; } = new(1, HighestTrackableMicroseconds, 3);

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Gets the number of POSTs among <see cref="Sent"/>.</summary>
    public long PostsSent => Interlocked.Read(ref _postsSent);

    /// <summary>Gets the GETs that did not end with a 2xx answer.</summary>
    public long FailedGets => Interlocked.Read(ref _failedGets);

    /// <summary>Gets the POSTs that did not end with a 2xx answer.</summary>
    public long FailedPosts => Interlocked.Read(ref _failedPosts);

    public long Count(RequestOutcome outcome) => Interlocked.Read(ref _outcomes[(int)outcome]);

    /// <summary>Gets the number of responses per backend, by their <see cref="BackendHeaders.Backend"/> header.</summary>
    public long[] AnsweredBy => [.. _answeredBy];

    /// <summary>Gets up to 20 distinct error messages with their counts, to explain the error columns.</summary>
    public IReadOnlyDictionary<string, int> ErrorSamples => _errorSamples;

    /// <summary>Sends the load from <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp) for the duration, then waits for every request to end.</summary>
    public async Task RunAsync(long start)
    {
        var frequency = (double)Stopwatch.Frequency;
        var durationTicks = (long)(_duration.TotalSeconds * frequency);
        var inFlight = new List<Task>((int)(_rate * _duration.TotalSeconds * 1.2) + 16);
        var offset = NextGapTicks(frequency);
        long sent = 0;
        while (offset < durationTicks)
        {
            var now = Stopwatch.GetTimestamp();
            while (offset < durationTicks && start + offset <= now)
            {
                // Every K-th request to the same instance, as K replicas behind a round-robin front share a stream.
                var client = (int)(sent++ % _target.Clients);
                var post = _postShare > 0 && _random.NextDouble() < _postShare;
                inFlight.Add(SendAsync(client, NextPath(), start + offset, post));
                offset += NextGapTicks(frequency);
            }

            if (offset >= durationTicks)
            {
                break;
            }

            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + offset);
            await Task.Delay(wait > s_minimumWait ? wait : s_minimumWait).ConfigureAwait(false);
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private long NextGapTicks(double frequency) =>
        Math.Max(1, (long)(-Math.Log(1 - _random.NextDouble()) / _rate * frequency));

    private Uri NextPath()
    {
        if (_paths.Length == 1)
        {
            return _paths[0];
        }

        var draw = _random.NextDouble();
        var index = Array.FindIndex(_pathCumulative, c => draw < c);
        return _paths[index < 0 ? _paths.Length - 1 : index];
    }

    private async Task SendAsync(int client, Uri path, long due, bool post)
    {
        // Start on the thread pool, so that a selector or connect that blocks does not hold back the schedule.
        await Task.Yield();
        DispatchLag.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(due).TotalMicroseconds, 1, HighestTrackableMicroseconds));
        var number = Interlocked.Increment(ref _sent);
        if (post)
        {
            Interlocked.Increment(ref _postsSent);
        }

        var outcome = RequestOutcome.Other;
        try
        {
            var answer = await _target.SendAsync(client, path, post, number).ConfigureAwait(false);
            outcome = answer.Outcome;
            if (answer.Backend is { } name && _backendIndexes.TryGetValue(name, out var index))
            {
                Interlocked.Increment(ref _answeredBy[index]);
            }

            if (answer.Error is { } error)
            {
                Sample(error);
            }
        }
        catch (Exception exception)
        {
            Sample($"{outcome}: {exception.GetType().Name}: {LoadTarget.Innermost(exception).Message}");
        }
        finally
        {
            Latency.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(due).TotalMicroseconds, 1, HighestTrackableMicroseconds));
            Interlocked.Increment(ref _outcomes[(int)outcome]);
            if (outcome != RequestOutcome.Succeeded)
            {
                Interlocked.Increment(ref post ? ref _failedPosts : ref _failedGets);
            }
        }
    }

    private void Sample(string message)
    {
        if (_errorSamples.Count < 20 || _errorSamples.ContainsKey(message))
        {
            _errorSamples.AddOrUpdate(message, 1, static (_, n) => n + 1);
        }
    }
}
