using System.Diagnostics;

namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// Runs scenarios on virtual time, without sockets: the real selectors and the real feedback tracker place and
/// measure every request against simulated backends, so that large scenarios take seconds and results do not depend on
/// the machine. Each contender runs on freshly started backends with the same seed, so all see the same arrivals.
/// </summary>
/// <example>
/// <code>
/// var result = new Simulator().Run(Scenarios.OneSlow, Contenders.All);
/// Console.WriteLine(result.ToMarkdownTable());
/// </code>
/// </example>
public sealed class Simulator
{
    /// <summary>Initializes a simulator with the default options.</summary>
    public Simulator()
        : this(new SimulationOptions())
    {
    }

    /// <summary>Initializes a simulator.</summary>
    /// <param name="options">The seed, feedback decay time and share interval.</param>
    public Simulator(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LatencyDecayTime <= TimeSpan.Zero || options.ShareInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("SimulationOptions.LatencyDecayTime and ShareInterval must be more than zero.", nameof(options));
        }

        Options = options;
    }

    /// <summary>Gets the options.</summary>
    public SimulationOptions Options { get; }

    /// <summary>Runs <paramref name="scenario"/> once for each contender, one after the other.</summary>
    /// <param name="scenario">The scenario; validated first.</param>
    /// <param name="contenders">The contenders, such as <see cref="Contenders.All"/>.</param>
    /// <returns>The results, in the order of <paramref name="contenders"/>.</returns>
    /// <exception cref="ArgumentException">The scenario is not valid, or there is no contender.</exception>
    public SimulationResult Run(ScenarioDefinition scenario, IEnumerable<SimulationContender> contenders)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(contenders);
        var list = contenders.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one contender is needed.", nameof(contenders));
        }

        scenario.Validate();
        var started = Stopwatch.GetTimestamp();
        var results = list.Select(c => RunOne(scenario, c)).ToList();
        return new SimulationResult { Scenario = scenario, Seed = Options.Seed, Contenders = results, WallTime = Stopwatch.GetElapsedTime(started) };
    }

    /// <summary>Runs <paramref name="scenario"/> for one contender.</summary>
    /// <param name="scenario">The scenario; validated first.</param>
    /// <param name="contender">The contender.</param>
    /// <returns>Its result.</returns>
    /// <exception cref="ArgumentException">The scenario is not valid.</exception>
    public ContenderResult Run(ScenarioDefinition scenario, SimulationContender contender)
    {
        ArgumentNullException.ThrowIfNull(contender);
        return Run(scenario, [contender]).Contenders[0];
    }

    private ContenderResult RunOne(ScenarioDefinition scenario, SimulationContender contender)
    {
        var started = Stopwatch.GetTimestamp();
        var result = new SimulationRun(scenario, contender, Options).Run();
        return result with { WallTime = Stopwatch.GetElapsedTime(started) };
    }
}
