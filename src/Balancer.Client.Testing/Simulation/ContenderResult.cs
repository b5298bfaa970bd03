namespace Balancer.Client.Testing.Simulation;

/// <summary>How one contender did in one scenario: latency, errors by kind, rates and where its requests went.</summary>
public sealed record ContenderResult
{
    /// <summary>Gets the contender's name.</summary>
    public string Name { get; internal init; } = string.Empty;

    /// <summary>Gets the number of requests that arrived (all of them finished: succeeded, failed or timed out).</summary>
    public long Requests { get; internal init; }

    /// <summary>Gets the number of requests answered with 200.</summary>
    public long Succeeded { get; internal init; }

    /// <summary>Gets the number of requests answered with 503 (fast failures).</summary>
    public long ServiceUnavailable { get; internal init; }

    /// <summary>Gets the number of requests sent to a stopped backend (connection refused).</summary>
    public long ConnectionRefused { get; internal init; }

    /// <summary>Gets the number of requests whose connection the backend reset, or that it held when it stopped.</summary>
    public long ConnectionReset { get; internal init; }

    /// <summary>Gets the number of requests that timed out.</summary>
    public long TimedOut { get; internal init; }

    /// <summary>Gets the number of requests for which the selector returned no endpoint.</summary>
    public long NoEndpoint { get; internal init; }

    /// <summary>Gets the number of requests that did not succeed.</summary>
    public long Errors => ServiceUnavailable + ConnectionRefused + ConnectionReset + TimedOut + NoEndpoint;

    /// <summary>Gets the latency of all requests, failures included at their time to failure.</summary>
    public LatencySummary Latency { get; internal init; } = new();

    /// <summary>Gets the rate the scenario offers, in requests per second.</summary>
    public double OfferedRate { get; internal init; }

    /// <summary>Gets the rate of successful answers over the scenario's duration, in requests per second.</summary>
    public double AchievedRate { get; internal init; }

    /// <summary>Gets the names of the backends, in scenario order (the order of the lists below).</summary>
    public IReadOnlyList<string> BackendNames { get; internal init; } = [];

    /// <summary>Gets the share of all requests that the contender sent to each backend.</summary>
    public IReadOnlyList<double> BackendShares { get; internal init; } = [];

    /// <summary>Gets the width of each interval of <see cref="RequestsOverTime"/>.</summary>
    public TimeSpan ShareInterval { get; internal init; }

    /// <summary>Gets the number of requests sent to each backend (inner list) in each interval since the start (outer list), by arrival time.</summary>
    public IReadOnlyList<IReadOnlyList<long>> RequestsOverTime { get; internal init; } = [];

    /// <summary>Gets the wall-clock time the run took (the only part of a result that varies between runs).</summary>
    public TimeSpan WallTime { get; internal init; }

    /// <summary>Returns the share of the requests arriving between <paramref name="from"/> and <paramref name="to"/> that went to <paramref name="backend"/>.</summary>
    /// <param name="backend">The backend's name.</param>
    /// <param name="from">The start of the window, rounded down to a <see cref="ShareInterval"/>.</param>
    /// <param name="to">The end of the window (exclusive), rounded up to a <see cref="ShareInterval"/>.</param>
    /// <returns>The share, 0 to 1; 0 when no request arrived in the window.</returns>
    public double GetShare(string backend, TimeSpan from, TimeSpan to)
    {
        var index = IndexOf(backend);
        var first = (int)Math.Max(0, from.Ticks / ShareInterval.Ticks);
        var last = (int)Math.Min(RequestsOverTime.Count, (to.Ticks + ShareInterval.Ticks - 1) / ShareInterval.Ticks);
        long picked = 0;
        long total = 0;
        for (var i = first; i < last; i++)
        {
            var row = RequestsOverTime[i];
            picked += row[index];
            total += row.Sum();
        }

        return total == 0 ? 0 : (double)picked / total;
    }

    /// <summary>Returns the share of requests sent to <paramref name="backend"/> in each <see cref="ShareInterval"/>, for charts.</summary>
    /// <param name="backend">The backend's name.</param>
    /// <returns>One share per interval, 0 to 1.</returns>
    public IReadOnlyList<double> GetSharesOverTime(string backend)
    {
        var index = IndexOf(backend);
        return [.. RequestsOverTime.Select(row => row.Sum() is var total and > 0 ? (double)row[index] / total : 0)];
    }

    private int IndexOf(string backend)
    {
        for (var i = 0; i < BackendNames.Count; i++)
        {
            if (string.Equals(BackendNames[i], backend, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        throw new ArgumentException($"Backend '{backend}' is not in the scenario.", nameof(backend));
    }
}
