using Balancer.Client.Endpoints;

namespace Balancer.Client.Selection;

/// <summary>
/// Smooth weighted round robin. The schedule for a snapshot is built once, in O(Σw log Σw): endpoint i of weight wᵢ
/// gets the wᵢ slots whose virtual deadlines are (k + φᵢ) / wᵢ, k = 0 … wᵢ − 1, ordered by deadline. Each endpoint thus
/// gets exactly its weight in every cycle of Σw picks, spaced evenly; the phase φᵢ = (i + ½) / n staggers endpoints so
/// that light ones do not bunch up at the same point of the cycle. A pick is one interlocked increment and an array read.
/// </summary>
internal sealed class RoundRobinSelector(RandomSource random) : IEndpointSelector
{
    private SnapshotCache<Schedule> _schedule;
    private int _counter = random.Next(int.MaxValue);

    public BalancerEndpoint? Select(in SelectionContext context)
    {
        var endpoints = context.Endpoints;
        if (endpoints.Count == 0)
        {
            return null;
        }

        var schedule = _schedule.Get(context, static list => new Schedule(list));
        var slot = (uint)Interlocked.Increment(ref _counter) % (uint)schedule.Order.Length;
        return schedule.Items[schedule.Order[slot]];
    }

    internal sealed class Schedule : ISnapshotDerived
    {
        public Schedule(IReadOnlyList<BalancerEndpoint> source)
        {
            Source = source;
            Items = [.. source];
            var divisor = 0;
            foreach (var endpoint in Items)
            {
                divisor = Gcd(divisor, endpoint.Weight);
            }

            var slots = new List<(double Deadline, int Index)>();
            for (var i = 0; i < Items.Length; i++)
            {
                var weight = Items[i].Weight / divisor;
                for (var k = 0; k < weight; k++)
                {
                    slots.Add(((k + ((i + 0.5) / Items.Length)) / weight, i));
                }
            }

            slots.Sort();
            Order = new int[slots.Count];
            for (var i = 0; i < Order.Length; i++)
            {
                Order[i] = slots[i].Index;
            }
        }

        public IReadOnlyList<BalancerEndpoint> Source { get; }

        public BalancerEndpoint[] Items { get; }

        public int[] Order { get; }

        private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);
    }
}
