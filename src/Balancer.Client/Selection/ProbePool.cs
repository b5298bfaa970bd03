using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// One probe's answer: the server's requests in flight and recent latency when the probe arrived, and how many picks
/// it has served since. Immutable but for the use count, which picks raise lock-free.
/// </summary>
internal sealed class ProbeResult(BalancerEndpoint endpoint, double requestsInFlight, double latencyMilliseconds, double meanInFlight, long receivedAt)
{
    private int _uses;

    public BalancerEndpoint Endpoint { get; } = endpoint;

    /// <summary>The requests in flight the server reported.</summary>
    public double RequestsInFlight { get; } = requestsInFlight;

    /// <summary>The server's recent latency in milliseconds; <see cref="double.NaN"/> when it has served nothing yet.</summary>
    public double LatencyMilliseconds { get; } = latencyMilliseconds;

    /// <summary>
    /// The requests in flight that the server's requests found on arrival, on average, themselves included: the load its
    /// latency belongs to. <see cref="double.NaN"/> when not reported.
    /// </summary>
    public double MeanInFlight { get; } = meanInFlight;

    /// <summary>The timestamp (of the client's time provider) at which the answer arrived.</summary>
    public long ReceivedAt { get; } = receivedAt;

    /// <summary>The picks this result has served.</summary>
    public int Uses => Volatile.Read(ref _uses);

    /// <summary>
    /// The requests in flight to expect now, <paramref name="ageMilliseconds"/> after the report: the reported ones
    /// relax towards the server's mean (<see cref="MeanInFlight"/>) with the server's latency as time constant, since
    /// by then other clients' requests have come and gone; and this client's picks on the strength of this result add.
    /// </summary>
    public double ExpectedInFlight(double ageMilliseconds)
    {
        var reported = RequestsInFlight;
        if (!double.IsNaN(MeanInFlight) && LatencyMilliseconds > 0)
        {
            // MeanInFlight counts the arriving request itself; the reported count does not.
            var mean = Math.Max(0, MeanInFlight - 1);
            reported = mean + ((reported - mean) * Math.Exp(-ageMilliseconds / LatencyMilliseconds));
        }

        return reported + Uses;
    }

    /// <summary>
    /// The latency a request sent now should see, in ms: <paramref name="latency"/> (what the endpoint answers in at its
    /// usual load), scaled up when the requests in flight it would find (<paramref name="expectedInFlight"/> + itself)
    /// are above those its requests usually find (<see cref="MeanInFlight"/>); never scaled down, since a server under its
    /// usual load answers in its usual time.
    /// </summary>
    public double ExpectedLatency(double latency, double expectedInFlight)
    {
        var load = double.IsNaN(MeanInFlight) || MeanInFlight <= 0 ? 1 : Math.Max(1, (expectedInFlight + 1) / MeanInFlight);
        return latency * load;
    }

    /// <summary>Counts one pick.</summary>
    public void Use() => Interlocked.Increment(ref _uses);

    /// <summary>Forgets the picks served, so that a benchmark can pick from the same pool again and again.</summary>
    internal void ResetUses() => Volatile.Write(ref _uses, 0);
}

/// <summary>
/// The recent probe results of one selector, in fixed slots. Picks read the slots and clear spent or stale results,
/// arriving results take one: all lock-free (compare-and-swap), since results also arrive with every response. A new
/// result replaces one for the same endpoint, else an empty slot, else the oldest; when other arrivals keep taking
/// that slot first, the result is dropped (a newer one follows).
/// </summary>
internal sealed class ProbePool(int size)
{
    private const int AddAttempts = 4;
    private readonly ProbeResult?[] _slots = new ProbeResult?[size];

    public int Size => _slots.Length;

    public ProbeResult? this[int slot] => Volatile.Read(ref _slots[slot]);

    /// <summary>Clears <paramref name="slot"/> if it still holds <paramref name="result"/>.</summary>
    public void Remove(int slot, ProbeResult result) => Interlocked.CompareExchange(ref _slots[slot], null, result);

    public void Add(ProbeResult result)
    {
        for (var attempt = 0; attempt < AddAttempts; attempt++)
        {
            var target = Target(result.Endpoint, out var seen);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _slots[target], result, seen), seen))
            {
                return;
            }
        }
    }

    /// <summary>The slot for a result of <paramref name="endpoint"/>: its own, else an empty one, else the oldest; <paramref name="seen"/> is what it holds.</summary>
    private int Target(BalancerEndpoint endpoint, out ProbeResult? seen)
    {
        var target = 0;
        seen = Volatile.Read(ref _slots[0]);
        var empty = false;
        var oldest = long.MaxValue;
        for (var i = 0; i < _slots.Length; i++)
        {
            var current = Volatile.Read(ref _slots[i]);
            if (current is not null && ReferenceEquals(current.Endpoint, endpoint))
            {
                seen = current;
                return i; // the same endpoint: the newer answer supersedes the older
            }

            if (empty)
            {
                continue;
            }

            if (current is null)
            {
                (target, seen, empty) = (i, null, true);
            }
            else if (current.ReceivedAt < oldest)
            {
                (target, seen, oldest) = (i, current, current.ReceivedAt);
            }
        }

        return target;
    }

    /// <summary>The newest result for <paramref name="endpoint"/>, or <see langword="null"/>.</summary>
    public ProbeResult? Find(BalancerEndpoint endpoint)
    {
        ProbeResult? found = null;
        for (var i = 0; i < _slots.Length; i++)
        {
            var current = this[i];
            if (current is not null && ReferenceEquals(current.Endpoint, endpoint) && (found is null || current.ReceivedAt > found.ReceivedAt))
            {
                found = current;
            }
        }

        return found;
    }
}
