namespace Balancer.Client.Testing.Simulation;

/// <summary>What one run counts: outcomes, every latency, and the requests sent to each backend per interval.</summary>
internal sealed class RunStatistics
{
    private readonly ScenarioDefinition _scenario;
    private readonly TimeSpan _interval;
    private readonly int _backends;
    private readonly long[] _picks;
    private readonly long[] _outcomes = new long[Enum.GetValues<RequestOutcome>().Length];
    private readonly LatencyRecorder _latencies = new();
    private long _requests;
    private long _noEndpoint;

    public RunStatistics(ScenarioDefinition scenario, TimeSpan interval)
    {
        _scenario = scenario;
        _interval = interval;
        _backends = scenario.Backends.Count;
        var intervals = (int)((scenario.Duration.Ticks + interval.Ticks - 1) / interval.Ticks);
        _picks = new long[intervals * _backends];
    }

    /// <summary>A request arrived; the selector chose none.</summary>
    public void NoEndpoint()
    {
        _requests++;
        _noEndpoint++;
        _latencies.Add(0);
    }

    /// <summary>A request arrived at <paramref name="ticks"/> and was sent to <paramref name="backend"/>.</summary>
    public void Sent(long ticks, int backend)
    {
        _requests++;
        _picks[((int)(ticks / _interval.Ticks) * _backends) + backend]++;
    }

    public void Finished(RequestOutcome outcome, long latencyTicks)
    {
        _outcomes[(int)outcome]++;
        _latencies.Add(latencyTicks);
    }

    public ContenderResult ToResult(string contender)
    {
        var n = _backends;
        var totals = new long[n];
        var overTime = new IReadOnlyList<long>[_picks.Length / n];
        for (var i = 0; i < overTime.Length; i++)
        {
            var row = _picks.AsSpan(i * n, n).ToArray();
            for (var j = 0; j < n; j++)
            {
                totals[j] += row[j];
            }

            overTime[i] = row;
        }

        var picked = totals.Sum();
        var succeeded = _outcomes[(int)RequestOutcome.Ok];
        return new ContenderResult
        {
            Name = contender,
            Requests = _requests,
            Succeeded = succeeded,
            ServiceUnavailable = _outcomes[(int)RequestOutcome.Unavailable],
            ConnectionRefused = _outcomes[(int)RequestOutcome.Refused],
            ConnectionReset = _outcomes[(int)RequestOutcome.Reset],
            TimedOut = _outcomes[(int)RequestOutcome.Timeout],
            NoEndpoint = _noEndpoint,
            Latency = _latencies.Summarize(),
            OfferedRate = _scenario.OfferedRate,
            AchievedRate = succeeded / _scenario.Duration.TotalSeconds,
            BackendNames = [.. _scenario.Backends.Select(b => b.Name)],
            BackendShares = [.. totals.Select(t => picked == 0 ? 0 : (double)t / picked)],
            ShareInterval = _interval,
            RequestsOverTime = overTime,
        };
    }
}
