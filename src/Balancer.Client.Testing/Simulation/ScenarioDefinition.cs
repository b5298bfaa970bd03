namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// A load-balancing scenario: the backends, how they change over time, and the load that independent client
/// instances put on them. The same definition can drive the simulator or real scripted backends.
/// </summary>
/// <remarks>
/// Requests arrive as a Poisson process at <see cref="OfferedRate"/> = <see cref="Load"/> × the sum of the backends'
/// <see cref="SimulatedBackendSpec.Throughput"/>, shared equally among <see cref="Clients"/> client instances, each with
/// its own selector and its own view of the endpoints (as independent processes have).
/// </remarks>
public sealed record ScenarioDefinition
{
    /// <summary>Initializes a scenario.</summary>
    /// <param name="name">A short name, such as <c>one-slow</c>.</param>
    /// <param name="backends">The backends, at least one, with unique names.</param>
    public ScenarioDefinition(string name, IReadOnlyList<SimulatedBackendSpec> backends)
    {
        Name = name;
        Backends = backends;
    }

    /// <summary>Gets the short name, such as <c>one-slow</c>.</summary>
    public string Name { get; init; }

    /// <summary>Gets what the scenario shows, in a sentence.</summary>
    /// <value>The default value is an empty string.</value>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets the backends as they start.</summary>
    public IReadOnlyList<SimulatedBackendSpec> Backends { get; init; }

    /// <summary>Gets the changes of the backends during the run, in any order.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<ScenarioChange> Timeline { get; init; } = [];

    /// <summary>Gets the offered load as a fraction of the total starting capacity of the backends.</summary>
    /// <value>The default value is 0.7. Allowed: more than 0, up to 10 (overload).</value>
    public double Load { get; init; } = 0.7;

    /// <summary>Gets how long requests arrive; the run then waits for the last ones to finish or time out.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the number of independent client instances that share the backends.</summary>
    /// <value>The default value is 1.</value>
    public int Clients { get; init; } = 1;

    /// <summary>Gets the time after which a client gives up on a request (counted as a timeout).</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets the kinds of requests that arrive, each with its path and share; empty for a single kind with path <c>/</c>.
    /// Each arrival draws its kind from a random stream of its own, so adding kinds does not change the arrival times.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<RequestClass> RequestClasses { get; init; } = [];

    /// <summary>Gets the total rate of requests, per second: <see cref="Load"/> × the sum of the backends' throughput (see <see cref="GetThroughput"/>).</summary>
    public double OfferedRate => Load * Backends.Sum(GetThroughput);

    /// <summary>
    /// Returns the requests per second <paramref name="backend"/> can serve as it starts, for this scenario's mix of
    /// requests: <see cref="SimulatedBackendSpec.Capacity"/> ÷ (mean service time × slowdown × the share-weighted mean
    /// of its <see cref="SimulatedBackendSpec.PathSlowdown"/> factors).
    /// </summary>
    /// <param name="backend">One of the scenario's backends.</param>
    /// <returns>The throughput; <see cref="SimulatedBackendSpec.Throughput"/> when all paths are served at the same speed.</returns>
    public double GetThroughput(SimulatedBackendSpec backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var classes = RequestClasses ?? [];
        var total = classes.Sum(c => c.Share);
        var factor = total > 0 ? classes.Sum(c => c.Share * backend.PathFactor(c.Path)) / total : 1;
        return backend.Throughput / factor;
    }

    /// <summary>Checks every setting and throws one exception that lists all errors.</summary>
    /// <exception cref="ArgumentException">The scenario is not valid.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Name must not be empty.");
        }

        if (Backends is null || Backends.Count == 0)
        {
            errors.Add("Backends must hold at least one backend.");
        }
        else
        {
            foreach (var backend in Backends)
            {
                backend.Validate(errors);
            }

            foreach (var duplicate in Backends.GroupBy(b => b.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                errors.Add($"Backend name '{duplicate.Key}' is used {duplicate.Count()} times.");
            }
        }

        if (!(Load > 0 && Load <= 10))
        {
            errors.Add($"Load must be more than 0 and at most 10 (was {Load}).");
        }

        if (Duration <= TimeSpan.Zero)
        {
            errors.Add($"Duration must be more than zero (was {Duration}).");
        }

        if (Clients < 1)
        {
            errors.Add($"Clients must be at least 1 (was {Clients}).");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"RequestTimeout must be more than zero (was {RequestTimeout}).");
        }

        foreach (var requestClass in RequestClasses ?? [])
        {
            if (requestClass is null || string.IsNullOrEmpty(requestClass.Path) || requestClass.Path[0] != '/' || !(requestClass.Share > 0 && requestClass.Share < double.PositiveInfinity))
            {
                errors.Add($"Request class '{requestClass}' needs a path starting with '/' and a share more than zero.");
            }
        }

        foreach (var duplicate in (RequestClasses ?? []).Where(c => c is not null).GroupBy(c => c.Path, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"Request class path '{duplicate.Key}' is used {duplicate.Count()} times.");
        }

        foreach (var path in (Backends ?? []).Where(b => b?.PathSlowdown is not null).SelectMany(b => b.PathSlowdown.Keys).Distinct(StringComparer.Ordinal))
        {
            if (!(RequestClasses ?? []).Any(c => string.Equals(c?.Path, path, StringComparison.Ordinal)))
            {
                errors.Add($"PathSlowdown names path '{path}', which is not one of the scenario's RequestClasses.");
            }
        }

        foreach (var change in Timeline ?? [])
        {
            change.Validate(errors, Duration);
            if (Backends is not null && !Backends.Any(b => string.Equals(b.Name, change.Backend, StringComparison.OrdinalIgnoreCase)))
            {
                errors.Add($"Change '{change}': backend '{change.Backend}' is not in the scenario.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"Scenario '{Name}' is not valid:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", errors)}");
        }
    }
}
