using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Weighted round robin on server-reported load (gRPC A58). Each endpoint's weight is
/// rps ÷ (utilization + eps ÷ rps × penalty) from its ORCA reports (<see cref="Feedback.LoadReportWeight"/>), used once
/// it has reported for the blackout period and dropped when it stops reporting; endpoints without a valid weight get the
/// mean. Picks follow a static stride schedule (<see cref="StrideSchedule"/>) rebuilt every update period: one
/// interlocked increment per pick (a few when weights are very uneven), no lock.
/// </summary>
internal sealed class WeightedRoundRobinSelector(RandomSource random, TimeProvider timeProvider, WeightedRoundRobinOptions options) : IEndpointSelector
{
    private StrideSchedule? _schedule;
    private int _rebuilding;
    private long _sequence = random.Next(int.MaxValue);

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count <= 1)
        {
            return endpoints.Count == 0 ? null : endpoints[0];
        }

        var now = context.GetTimestamp(timeProvider);
        var schedule = GetSchedule(endpoints, !ReferenceEquals(endpoints, context.Pool), now);
        var items = schedule.Items;
        var weights = schedule.Weights;
        while (true)
        {
            var sequence = Interlocked.Increment(ref _sequence) & long.MaxValue;
            var index = (int)(sequence % items.Length);
            var generation = sequence / items.Length;
            var weight = weights[index];
            if ((((weight * generation) + ((long)index * StrideSchedule.Offset)) % StrideSchedule.MaxWeight) >= StrideSchedule.MaxWeight - weight)
            {
                return items[index];
            }
        }
    }

    private StrideSchedule GetSchedule(IReadOnlyList<BalancerEndpoint> endpoints, bool retry, long now)
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
            return StrideSchedule.Build(endpoints, now, timeProvider.TimestampFrequency, options);
        }

        if (sameSource && Interlocked.CompareExchange(ref _rebuilding, 1, 0) != 0)
        {
            return current!; // another thread is rebuilding; the old weights serve meanwhile
        }

        try
        {
            var built = StrideSchedule.Build(endpoints, now, timeProvider.TimestampFrequency, options);
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
}
