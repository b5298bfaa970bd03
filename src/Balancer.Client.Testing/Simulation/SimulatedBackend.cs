namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// The live state of one simulated backend during a run: what it holds and how it behaves now. Oracles and custom
/// contenders may read it (see <see cref="SimulationClientContext.Backends"/>); only the simulator changes it.
/// </summary>
public sealed class SimulatedBackend
{
    private readonly SimulationClock _clock;
    private readonly BackendCosts _costs;
    private bool _running = true;
    private double _slowdown;
    private double _failure;
    private double _reset;
    private bool _blackHole;
    private long _stalledUntilTicks;
    private int _inService;
    private int _waiting;
    private int _held;

    internal SimulatedBackend(SimulatedBackendSpec spec, int index, SimulationClock clock, ulong seed, BackendCosts costs)
    {
        Spec = spec;
        Index = index;
        _clock = clock;
        _costs = costs;
        Address = new Uri($"http://{spec.Name}.sim/");
        Random = new SimulationRandom(seed);
        Capacity = spec.Capacity;
        MeanServiceTicks = spec.MeanServiceTime.Ticks;
        _slowdown = spec.SlowdownFactor;
        _failure = spec.FailureShare;
        _reset = spec.ResetShare;
        _blackHole = spec.BlackHole;
    }

    /// <summary>Gets the backend as the scenario starts it.</summary>
    public SimulatedBackendSpec Spec { get; }

    /// <summary>Gets the position of the backend in the scenario (and of its endpoint in every client's list).</summary>
    public int Index { get; }

    /// <summary>Gets the backend's name.</summary>
    public string Name => Spec.Name;

    /// <summary>Gets a value indicating whether the backend accepts connections (it is not stopped).</summary>
    public bool IsRunning => Running;

    /// <summary>Gets the number of requests being served.</summary>
    public int InService => InServiceCount;

    /// <summary>Gets the number of requests waiting: in the queue, or for a stall window to close.</summary>
    public int Queued => WaitingCount + HeldCount;

    /// <summary>Gets the number of requests served at once.</summary>
    public int Capacity { get; }

    /// <summary>Gets the current mean service time: the scenario's mean × the current slowdown factor.</summary>
    public TimeSpan MeanServiceTime => TimeSpan.FromTicks((long)(MeanServiceTicks * Slowdown));

    /// <summary>Gets the current share of requests answered at once with 503.</summary>
    public double FailureShare => Failure;

    /// <summary>Gets the current share of requests whose connection is reset at once.</summary>
    public double ResetShare => Reset;

    /// <summary>Gets a value indicating whether new requests are swallowed.</summary>
    public bool IsBlackHole => BlackHoleOn;

    /// <summary>Gets the time until the current stall window closes, or zero when none is open.</summary>
    public TimeSpan StallRemaining => TimeSpan.FromTicks(Math.Max(0, StalledUntilTicks - _clock.ElapsedTicks));

    /// <summary>Gets the number of requests answered with 200 so far.</summary>
    public long Served { get; internal set; }

    internal Uri Address { get; }

    internal SimulationRandom Random { get; }

    internal long MeanServiceTicks { get; }

    internal bool Running
    {
        get => _running;
        set
        {
            _running = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal double Slowdown
    {
        get => _slowdown;
        set
        {
            _slowdown = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal double Failure
    {
        get => _failure;
        set
        {
            _failure = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal double Reset
    {
        get => _reset;
        set
        {
            _reset = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal bool BlackHoleOn
    {
        get => _blackHole;
        set
        {
            _blackHole = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    /// <summary>The end of the current stall window, in ticks since the start of the run.</summary>
    internal long StalledUntilTicks
    {
        get => _stalledUntilTicks;
        set
        {
            _stalledUntilTicks = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal int InServiceCount
    {
        get => _inService;
        set
        {
            _inService = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal int WaitingCount
    {
        get => _waiting;
        set
        {
            _waiting = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    internal int HeldCount
    {
        get => _held;
        set
        {
            _held = value;
            if (_costs.IsEnabled)
            {
                _costs.Update(this);
            }
        }
    }

    /// <summary>The first-in, first-out queue; entries of requests that timed out stay until dequeued, as stale.</summary>
    internal Queue<RequestRef> Waiting { get; } = new();

    /// <summary>Requests that arrived during a stall window, in order of arrival.</summary>
    internal Queue<RequestRef> Held { get; } = new();

    /// <summary>Every request the backend holds (held, waiting, in service, swallowed), to reset them when it stops.</summary>
    internal List<SimulatedRequest> Resident { get; } = [];

    internal void AddResident(SimulatedRequest request)
    {
        if (request.ResidentIndex < 0)
        {
            request.ResidentIndex = Resident.Count;
            Resident.Add(request);
        }
    }

    internal void RemoveResident(SimulatedRequest request)
    {
        var index = request.ResidentIndex;
        var last = Resident[^1];
        Resident[index] = last;
        last.ResidentIndex = index;
        Resident.RemoveAt(Resident.Count - 1);
        request.ResidentIndex = -1;
    }

    /// <summary>Draws the service time of a request entering service now, in ticks (at most one hour).</summary>
    internal long NextServiceTicks() =>
        (long)Math.Min(MeanServiceTicks * Slowdown * Random.NextServiceFactor(Spec.Distribution, Spec.LogNormalSigma), TimeSpan.TicksPerHour);
}
