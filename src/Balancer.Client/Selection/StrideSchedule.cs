using Balancer.Client.Endpoints;
using Balancer.Client.Feedback;

namespace Balancer.Client.Selection;

/// <summary>
/// The static stride schedule of weighted round robin (gRPC A58) over one endpoint list: each endpoint's weight from
/// its load reports (<see cref="LoadReportWeight"/>; the mean of the valid ones where there is none) times its
/// configured weight, scaled to 1 … <see cref="MaxWeight"/> with a floor of 1 % of the largest. Built every update
/// period; immutable.
/// </summary>
internal sealed class StrideSchedule
{
    /// <summary>The scale of the schedule's weights.</summary>
    public const int MaxWeight = ushort.MaxValue;

    /// <summary>The phase between neighbouring endpoints, so that equal weights do not all fire in the same generation.</summary>
    public const int Offset = MaxWeight / 2;

    private const double MinRatio = 0.01;

    private StrideSchedule(IReadOnlyList<BalancerEndpoint> source, BalancerEndpoint[] items, long[] weights, long nextUpdate)
    {
        Source = source;
        Items = items;
        Weights = weights;
        NextUpdate = nextUpdate;
    }

    public IReadOnlyList<BalancerEndpoint> Source { get; }

    public BalancerEndpoint[] Items { get; }

    public long[] Weights { get; }

    /// <summary>Gets the timestamp from which the schedule is due for a rebuild.</summary>
    public long NextUpdate { get; }

    /// <summary>Builds the schedule of <paramref name="endpoints"/> from their load reports as of <paramref name="now"/>.</summary>
    public static StrideSchedule Build(IReadOnlyList<BalancerEndpoint> endpoints, long now, long frequency, WeightedRoundRobinOptions options)
    {
        var blackout = (long)(options.BlackoutPeriod.TotalSeconds * frequency);
        var expiration = (long)(options.WeightExpirationPeriod.TotalSeconds * frequency);
        var items = endpoints.ToArray();
        var raw = new double[items.Length];
        double sum = 0;
        var valid = 0;
        for (var i = 0; i < items.Length; i++)
        {
            raw[i] = LoadReportWeight.Of(items[i].Stats, now, blackout, expiration, options.ErrorUtilizationPenalty);
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

        return new StrideSchedule(endpoints, items, weights, now + (long)(options.WeightUpdatePeriod.TotalSeconds * frequency));
    }
}
