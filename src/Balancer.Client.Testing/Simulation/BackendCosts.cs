namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// What the oracle compares, kept in flat arrays (one slot per backend) that the backends update on every change of
/// their state, so that the oracle scans a thousand backends in about a microsecond. Per backend: the expected time to
/// a successful answer in ticks, leaving stalls aside (infinite when it cannot answer); 1 ÷ the share of requests it
/// answers without a fault; and the end of its stall window. Kept only once an oracle enables it, so that other
/// contenders do not pay for it.
/// </summary>
internal sealed class BackendCosts(int count)
{
    private readonly double[] _cost = new double[count];
    private readonly double[] _inverseSuccess = new double[count];
    private readonly long[] _stallEnd = new long[count];
    private long _lastStallEnd;

    public int Count => _cost.Length;

    public bool IsEnabled { get; private set; }

    /// <summary>Starts keeping the costs, from the backends' current state.</summary>
    public void Enable(IReadOnlyList<SimulatedBackend> backends)
    {
        if (!IsEnabled)
        {
            IsEnabled = true;
            foreach (var backend in backends)
            {
                Update(backend);
            }
        }
    }

    public void Update(SimulatedBackend backend)
    {
        var i = backend.Index;
        var success = 1 - backend.Reset - backend.Failure;
        _stallEnd[i] = backend.StalledUntilTicks;
        _lastStallEnd = Math.Max(_lastStallEnd, backend.StalledUntilTicks);
        if (!backend.Running || backend.BlackHoleOn || success <= 0)
        {
            _cost[i] = double.PositiveInfinity;
            _inverseSuccess[i] = double.PositiveInfinity;
            return;
        }

        var mean = backend.MeanServiceTicks * backend.Slowdown;
        var capacity = backend.Capacity;
        var ahead = backend.InServiceCount + backend.WaitingCount + backend.HeldCount;
        var waitAndService = (Math.Max(0, ahead + 1 - capacity) * mean / capacity) + mean;
        _inverseSuccess[i] = 1 / success;
        _cost[i] = waitAndService / success;
    }

    /// <summary>The expected time to a successful answer from backend <paramref name="index"/> at <paramref name="now"/>, in ticks.</summary>
    public double Get(int index, long now)
    {
        var stall = _stallEnd[index] - now;
        return stall > 0 ? _cost[index] + (stall * _inverseSuccess[index]) : _cost[index];
    }

    /// <summary>Returns the backend with the smallest cost, scanning from <paramref name="start"/> so that ties go to the first after it.</summary>
    public int ArgMin(int start, long now)
    {
        if (now >= _lastStallEnd)
        {
            // No stall window is open: a plain scan of one array.
            var costs = _cost.AsSpan();
            var best = start;
            var bestCost = costs[start];
            for (var i = start + 1; i < costs.Length; i++)
            {
                if (costs[i] < bestCost)
                {
                    bestCost = costs[i];
                    best = i;
                }
            }

            for (var i = 0; i < start; i++)
            {
                if (costs[i] < bestCost)
                {
                    bestCost = costs[i];
                    best = i;
                }
            }

            return best;
        }

        var slowBest = start;
        var slowBestCost = Get(start, now);
        for (var k = 1; k < _cost.Length; k++)
        {
            var i = start + k < _cost.Length ? start + k : start + k - _cost.Length;
            var cost = Get(i, now);
            if (cost < slowBestCost)
            {
                slowBestCost = cost;
                slowBest = i;
            }
        }

        return slowBest;
    }
}
