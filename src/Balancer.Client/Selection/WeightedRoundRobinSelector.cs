using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Weighted round robin on server-reported load (gRPC A58). Each endpoint's weight is
/// rps ÷ (utilization + eps ÷ rps × penalty) from its ORCA reports, used once it has reported for the blackout period
/// and dropped when it stops reporting; endpoints without a valid weight get the mean. Picks follow a static stride
/// schedule rebuilt every update period: one interlocked increment per pick (a few when weights are very uneven), no lock.
/// </summary>
internal sealed class WeightedRoundRobinSelector(RandomSource random, TimeProvider timeProvider, WeightedRoundRobinOptions options) : IEndpointSelector
{
    private const int MaxWeight = ushort.MaxValue;
    private const int Offset = MaxWeight / 2;
    private const double MinRatio = 0.01;

    private Schedule? _schedule;
    private int _rebuilding;
    private long _sequence = random.Next(int.MaxValue);

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count <= 1)
        {
            return endpoints.Count == 0 ? null : endpoints[0];
        }

        var now = timeProvider.GetTimestamp();
        var schedule = GetSchedule(endpoints, !ReferenceEquals(endpoints, context.Pool), now);
        var items = schedule.Items;
        var weights = schedule.Weights;
        while (true)
        {
            var sequence = Interlocked.Increment(ref _sequence) & long.MaxValue;
            var index = (int)(sequence % items.Length);
            var generation = sequence / items.Length;
            var weight = weights[index];
            if ((((weight * generation) + ((long)index * Offset)) % MaxWeight) >= MaxWeight - weight)
            {
                return items[index];
            }
        }
    }

    private Schedule GetSchedule(IReadOnlyList<BalancerEndpoint> endpoints, bool retry, long now)
    {
        var current = Volatile.Read(ref _schedule);
        var sameSource = current is not null && ReferenceEquals(current.Source, endpoints);
        if (sameSource && now < current!.NextUpdate)
        {
            return current;
        }

        if (retry)
        {
            // A retry's candidates (narrower than the pool) get a schedule of their own, used once.
            return Build(endpoints, now);
        }

        if (sameSource && Interlocked.CompareExchange(ref _rebuilding, 1, 0) != 0)
        {
            return current!; // another thread is rebuilding; the old weights serve meanwhile
        }

        try
        {
            var built = Build(endpoints, now);
            Volatile.Write(ref _schedule, built);
            return built;
        }
        finally
        {
            if (sameSource)
            {
                Volatile.Write(ref _rebuilding, 0);
            }
        }
    }

    private Schedule Build(IReadOnlyList<BalancerEndpoint> endpoints, long now)
    {
        var frequency = timeProvider.TimestampFrequency;
        var blackout = (long)(options.BlackoutPeriod.TotalSeconds * frequency);
        var expiration = (long)(options.WeightExpirationPeriod.TotalSeconds * frequency);
        var items = endpoints.ToArray();
        var raw = new double[items.Length];
        double sum = 0;
        var valid = 0;
        for (var i = 0; i < items.Length; i++)
        {
            raw[i] = LoadWeight(items[i], now, blackout, expiration);
            if (raw[i] > 0)
            {
                sum += raw[i];
                valid++;
            }
        }

        var mean = valid == 0 ? 1 : sum / valid;
        double max = 0;
        for (var i = 0; i < items.Length; i++)
        {
            raw[i] = (raw[i] > 0 ? raw[i] : mean) * items[i].Weight;
            max = Math.Max(max, raw[i]);
        }

        var weights = new long[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            weights[i] = (long)Math.Round(Math.Max(raw[i], max * MinRatio) / max * MaxWeight);
        }

        return new Schedule(endpoints, items, weights, now + (long)(options.WeightUpdatePeriod.TotalSeconds * frequency));
    }

    private double LoadWeight(BalancerEndpoint endpoint, long now, long blackout, long expiration)
    {
        var stats = endpoint.Stats;
        var last = stats.LoadLastUpdate;
        if (last == 0)
        {
            return 0;
        }

        if (now - last >= expiration)
        {
            return 0; // expired; the next report starts a new run (and a new blackout) on the feedback side
        }

        var since = stats.LoadNonEmptySince;
        if (since == 0 || now - since < blackout || stats.ServerLoad is not { } report)
        {
            return 0;
        }

        var rps = report.RpsFractional;
        var utilization = report.Utilization + (report.Eps / rps * options.ErrorUtilizationPenalty);
        return utilization > 0 ? rps / utilization : 0;
    }

    private sealed class Schedule(IReadOnlyList<BalancerEndpoint> source, BalancerEndpoint[] items, long[] weights, long nextUpdate)
    {
        public IReadOnlyList<BalancerEndpoint> Source => source;

        public BalancerEndpoint[] Items => items;

        public long[] Weights => weights;

        public long NextUpdate => nextUpdate;
    }
}
