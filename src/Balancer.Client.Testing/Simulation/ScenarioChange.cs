using System.Globalization;

namespace Balancer.Client.Testing.Simulation;

/// <summary>One change of a backend at a point of a scenario's timeline; created through the static methods.</summary>
public sealed record ScenarioChange
{
    private ScenarioChange(TimeSpan at, string backend, ScenarioChangeKind kind, double value, TimeSpan duration)
    {
        At = at;
        Backend = backend;
        Kind = kind;
        Value = value;
        Duration = duration;
    }

    /// <summary>Gets the time since the start of the run at which the change applies.</summary>
    public TimeSpan At { get; }

    /// <summary>Gets the name of the backend that changes.</summary>
    public string Backend { get; }

    /// <summary>Gets what changes.</summary>
    public ScenarioChangeKind Kind { get; }

    /// <summary>Gets the new value: a factor, a share, or 1/0 for on/off; 0 for changes without one.</summary>
    public double Value { get; }

    /// <summary>Gets the length of a stall window; zero for other changes.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Sets the slowdown factor of <paramref name="backend"/> at <paramref name="at"/>.</summary>
    /// <param name="at">When, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <param name="factor">The factor service times are multiplied by, more than 0 and at most 1000.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange SetSlowdown(TimeSpan at, string backend, double factor) => new(at, backend, ScenarioChangeKind.SetSlowdown, factor, TimeSpan.Zero);

    /// <summary>Sets the share of requests that <paramref name="backend"/> answers at once with 503.</summary>
    /// <param name="at">When, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <param name="share">The share, 0 to 1.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange SetFailureShare(TimeSpan at, string backend, double share) => new(at, backend, ScenarioChangeKind.SetFailureShare, share, TimeSpan.Zero);

    /// <summary>Sets the share of requests whose connection <paramref name="backend"/> resets at once.</summary>
    /// <param name="at">When, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <param name="share">The share, 0 to 1.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange SetResetShare(TimeSpan at, string backend, double share) => new(at, backend, ScenarioChangeKind.SetResetShare, share, TimeSpan.Zero);

    /// <summary>Turns the black hole of <paramref name="backend"/> on or off.</summary>
    /// <param name="at">When, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <param name="on">Whether new requests are swallowed.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange SetBlackHole(TimeSpan at, string backend, bool on = true) => new(at, backend, ScenarioChangeKind.SetBlackHole, on ? 1 : 0, TimeSpan.Zero);

    /// <summary>Stops <paramref name="backend"/>: the requests it holds are reset and new connections are refused.</summary>
    /// <param name="at">When, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange Stop(TimeSpan at, string backend) => new(at, backend, ScenarioChangeKind.Stop, 0, TimeSpan.Zero);

    /// <summary>Starts <paramref name="backend"/> again after a <see cref="Stop"/>.</summary>
    /// <param name="at">When, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange Start(TimeSpan at, string backend) => new(at, backend, ScenarioChangeKind.Start, 0, TimeSpan.Zero);

    /// <summary>Opens a stall window on <paramref name="backend"/>: requests arriving in it wait until it closes.</summary>
    /// <param name="at">When the window opens, since the start of the run.</param>
    /// <param name="backend">The backend's name.</param>
    /// <param name="duration">How long the window stays open, more than zero.</param>
    /// <returns>The change.</returns>
    public static ScenarioChange Stall(TimeSpan at, string backend, TimeSpan duration) => new(at, backend, ScenarioChangeKind.Stall, 0, duration);

    /// <inheritdoc/>
    public override string ToString()
    {
        var at = At.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        return Kind switch
        {
            ScenarioChangeKind.Stall => $"{at} s: {Backend} stalls {Duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s",
            ScenarioChangeKind.Stop or ScenarioChangeKind.Start => $"{at} s: {Kind.ToString().ToLowerInvariant()} {Backend}",
            _ => $"{at} s: {Backend} {Kind} = {Value.ToString(CultureInfo.InvariantCulture)}",
        };
    }

    /// <summary>Adds a description of every invalid setting to <paramref name="errors"/>.</summary>
    internal void Validate(List<string> errors, TimeSpan runDuration)
    {
        var prefix = $"Change '{this}': ";
        if (At < TimeSpan.Zero || At > runDuration)
        {
            errors.Add($"{prefix}At must be between zero and the scenario's Duration ({runDuration}).");
        }

        switch (Kind)
        {
            case ScenarioChangeKind.SetSlowdown when !(Value > 0 && Value <= 1000):
                errors.Add($"{prefix}the slowdown factor must be more than 0 and at most 1000.");
                break;
            case ScenarioChangeKind.SetFailureShare or ScenarioChangeKind.SetResetShare:
                SimulatedBackendSpec.Check(errors, prefix, "the share", Value, 0, 1);
                break;
            case ScenarioChangeKind.Stall when Duration <= TimeSpan.Zero:
                errors.Add($"{prefix}the stall duration must be more than zero.");
                break;
            case < ScenarioChangeKind.SetSlowdown or > ScenarioChangeKind.Stall:
                errors.Add($"{prefix}Kind {Kind} is not known.");
                break;
        }
    }
}
