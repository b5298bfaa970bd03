using Balancer.Client.Feedback;

namespace Balancer.Client.Resilience;

/// <summary>
/// Counts requests and extra attempts (retries and hedges) over a sliding window of ten buckets and allows one more
/// while extra attempts ≤ max(minimum, ratio × requests). Lock-free; one per client, shared by its retry and its hedging.
/// </summary>
internal sealed class RetryBudget
{
    private const int Buckets = 10;
    private readonly TimeProvider _timeProvider;
    private readonly long _bucketLength;
    private readonly double _ratio;
    private readonly int _minimum;
    private readonly long[] _epochs = new long[Buckets];
    private readonly long[] _requests = new long[Buckets];
    private readonly long[] _retries = new long[Buckets];

    public RetryBudget(TimeProvider timeProvider, TimeSpan window, double ratio, int minimum)
    {
        _timeProvider = timeProvider;
        _bucketLength = Math.Max(1, (long)(window.TotalSeconds * timeProvider.TimestampFrequency / Buckets));
        _ratio = ratio;
        _minimum = minimum;
    }

    public void OnRequest() => Interlocked.Increment(ref _requests[Current()]);

    /// <summary>Counts a logical request once, however many resilience handlers and hedged copies it passes through.</summary>
    public void OnRequest(HttpRequestMessage request)
    {
        if (AttemptContext.Share(request).TryMarkCounted())
        {
            OnRequest();
        }
    }

    public bool TryRetry()
    {
        var index = Current();
        var epoch = Volatile.Read(ref _epochs[index]);
        long requests = 0, retries = 0;
        for (var i = 0; i < Buckets; i++)
        {
            if (epoch - Volatile.Read(ref _epochs[i]) < Buckets)
            {
                requests += Volatile.Read(ref _requests[i]);
                retries += Volatile.Read(ref _retries[i]);
            }
        }

        if (retries + 1 > Math.Max(_minimum, _ratio * requests))
        {
            return false;
        }

        Interlocked.Increment(ref _retries[index]);
        return true;
    }

    private int Current()
    {
        var epoch = _timeProvider.GetTimestamp() / _bucketLength;
        var index = (int)(epoch % Buckets);
        var seen = Volatile.Read(ref _epochs[index]);
        if (seen != epoch && Interlocked.CompareExchange(ref _epochs[index], epoch, seen) == seen)
        {
            // First use of this bucket in a new round: forget what it counted ten buckets ago.
            Interlocked.Exchange(ref _requests[index], 0);
            Interlocked.Exchange(ref _retries[index], 0);
        }

        return index;
    }
}
