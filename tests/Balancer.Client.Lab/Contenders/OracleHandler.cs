using System.Diagnostics;

namespace Balancer.Client.Lab;

/// <summary>
/// Chooses the backend whose expected time to a successful answer is smallest, reading what no real client can see:
/// each backend's true queue (<see cref="LabBackendSet.QueueLength"/>, at least the requests this picker has on the
/// way to it), capacity, current mean service time × slowdown, open stall window, fault shares, black hole and
/// whether it runs. Expected time = (time left in the stall + max(0, ahead + 1 − capacity) ÷ capacity × mean + mean)
/// ÷ share answered without a fault, as the simulator's oracle computes it. Ties go to the first best after a random
/// start. One picker per client instance; the gRPC mode's oracle uses it too.
/// </summary>
internal sealed class OraclePicker(LabBackendSet backends)
{
    private readonly int[] _onTheWay = new int[backends.Count];

    /// <summary>Picks a backend and counts the request on the way to it, until <see cref="Done"/>.</summary>
    public int Pick()
    {
        var count = backends.Count;
        var now = Stopwatch.GetTimestamp();
        var start = Random.Shared.Next(count);
        var best = start;
        var bestCost = double.PositiveInfinity;
        for (var k = 0; k < count; k++)
        {
            var i = (start + k) % count;
            var cost = Cost(i, now);
            if (cost < bestCost)
            {
                bestCost = cost;
                best = i;
            }
        }

        Interlocked.Increment(ref _onTheWay[best]);
        return best;
    }

    /// <summary>Ends a request that <see cref="Pick"/> sent to backend <paramref name="index"/>.</summary>
    public void Done(int index) => Interlocked.Decrement(ref _onTheWay[index]);

    private double Cost(int index, long now)
    {
        var behavior = backends.BehaviorOf(index);
        var success = 1 - behavior.ResetRate - behavior.FailureRate;
        if (!backends.IsRunning(index) || behavior.BlackHole || success <= 0)
        {
            return double.PositiveInfinity;
        }

        var mean = behavior.MeanServiceTime.TotalSeconds * behavior.SlowdownFactor;
        var capacity = behavior.Capacity;
        var ahead = Math.Max(backends.QueueLength(index), Volatile.Read(ref _onTheWay[index]));
        var stallLeft = Math.Max(0, backends.StallEnd(index) - now) / (double)Stopwatch.Frequency;
        return (stallLeft + (Math.Max(0, ahead + 1 - capacity) * mean / capacity) + mean) / success;
    }
}

/// <summary>Sends each request where <see cref="OraclePicker"/> says.</summary>
internal sealed class OracleHandler(LabBackends backends) : DelegatingHandler
{
    private readonly OraclePicker _picker = new(backends);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var logical = request.RequestUri!;
        var index = _picker.Pick();
        request.RequestUri = new Uri(backends.Backends[index].Address, logical.PathAndQuery);
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _picker.Done(index);
            request.RequestUri = logical;
        }
    }
}

/// <summary>A plain <see cref="HttpClient"/> over <see cref="OracleHandler"/>: the best balance the scenario allows.</summary>
internal sealed class OracleContender : LabContender
{
    public const string ContenderName = "Oracle";

    public override string Name => ContenderName;

    public override string Description => "reads every backend's true queue, capacity, service time, stalls and faults; picks the smallest expected time to a good answer";

    public override Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var clients = Enumerable.Range(0, context.Plan.Clients)
            .Select(_ => new HttpClient(new OracleHandler(context.Backends) { InnerHandler = new SocketsHttpHandler() })
            {
                BaseAddress = new Uri("http://catalog/"),
                Timeout = context.Plan.Timeout,
            })
            .ToArray();
        return Task.FromResult(new ContenderClients(clients));
    }
}
