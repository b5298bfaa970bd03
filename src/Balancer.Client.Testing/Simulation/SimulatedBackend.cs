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
        set => SetAndUpdateCosts(ref _running, value);
    }

    internal double Slowdown
    {
        get => _slowdown;
        set => SetAndUpdateCosts(ref _slowdown, value);
    }

    internal double Failure
    {
        get => _failure;
        set => SetAndUpdateCosts(ref _failure, value);
    }

    internal double Reset
    {
        get => _reset;
        set => SetAndUpdateCosts(ref _reset, value);
    }

    internal bool BlackHoleOn
    {
        get => _blackHole;
        set => SetAndUpdateCosts(ref _blackHole, value);
    }

    /// <summary>The end of the current stall window, in ticks since the start of the run.</summary>
    internal long StalledUntilTicks
    {
        get => _stalledUntilTicks;
        set => SetAndUpdateCosts(ref _stalledUntilTicks, value);
    }

    internal int InServiceCount
    {
        get => _inService;
        set => SetAndUpdateCosts(ref _inService, value);
    }

    internal int WaitingCount
    {
        get => _waiting;
        set => SetAndUpdateCosts(ref _waiting, value);
    }

    internal int HeldCount
    {
        get => _held;
        set => SetAndUpdateCosts(ref _held, value);
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

    /// <summary>The service time factor of each request class of the run (see <see cref="SimulatedBackendSpec.PathSlowdown"/>); empty for one class.</summary>
    internal double[] ClassFactors { get; set; } = [];

    /// <summary>Draws the service time of a request of class <paramref name="classIndex"/> entering service now, in ticks (at most one hour).</summary>
    internal long NextServiceTicks(int classIndex)
    {
        var factor = classIndex < ClassFactors.Length ? ClassFactors[classIndex] : 1;
        return (long)Math.Min(MeanServiceTicks * Slowdown * factor * Random.NextServiceFactor(Spec.Distribution, Spec.LogNormalSigma), TimeSpan.TicksPerHour);
    }

    /// <summary>Stores a value that the oracle's cost of this backend depends on, and refreshes that cost.</summary>
    private void SetAndUpdateCosts<T>(ref T field, T value)
    {
        field = value;
        if (_costs.IsEnabled)
        {
            _costs.Update(this);
        }
    }
}
