using Balancer.Client.Selection;

namespace Balancer.Client.Testing.Simulation;

/// <summary>
/// One contender on one scenario: fresh backends, fresh clients, one virtual clock. Requests arrive as a Poisson
/// process per client, are placed by the client's selector, counted in flight by its feedback tracker, served by the
/// backend (stall, faults, queue, service) and completed on the lease with a cached response or exception.
/// </summary>
internal sealed class SimulationRun : ISimulationEventTarget
{
    private const int ArrivalEvent = 0;
    private const int CompletionEvent = 1;
    private const int TimeoutEvent = 2;
    private const int StallEndEvent = 3;
    private const int PeriodicStallEvent = 4;
    private const int ChangeEvent = 5;

    private readonly SimulationContender _contender;
    private readonly SimulationClock _clock = new();
    private readonly SimulatedBackend[] _backends;
    private readonly SimulatedClient[] _clients;
    private readonly ScenarioChange[] _changes;
    private readonly int[] _changeBackends;
    private readonly long _durationTicks;
    private readonly long _timeoutTicks;
    private readonly RunStatistics _statistics;
    private readonly Queue<RequestRef> _deadlines = new();
    private readonly List<SimulatedRequest> _requests = [];
    private readonly Stack<SimulatedRequest> _free = new();
    private readonly HttpRequestMessage[] _classRequests;
    private readonly double[] _classCumulative;
    private readonly SimulationRandom[] _classDraws;
    private bool _timeoutScheduled;
    private long _outstanding;

    public SimulationRun(ScenarioDefinition scenario, SimulationContender contender, SimulationOptions options)
    {
        _contender = contender;
        _durationTicks = scenario.Duration.Ticks;
        _timeoutTicks = scenario.RequestTimeout.Ticks;
        _statistics = new RunStatistics(scenario, options.ShareInterval);
        var costs = new BackendCosts(scenario.Backends.Count);
        _backends = [.. scenario.Backends.Select((spec, i) => new SimulatedBackend(spec, i, _clock, SimulationRandom.Derive(options.Seed, SeedStreams.Backend, i), costs))];

        var meanInterarrival = TimeSpan.TicksPerSecond * scenario.Clients / scenario.OfferedRate;
        _clients = new SimulatedClient[scenario.Clients];
        Dictionary<string, int>? indexes = null;
        for (var i = 0; i < _clients.Length; i++)
        {
            _clients[i] = new SimulatedClient(i, _clients.Length, _backends, _clock, contender, options, meanInterarrival, costs, indexes);
            indexes ??= _clients[i].Indexes;
        }

        // Each kind of request has one message, shared by all its requests (the feedback tracker and selectors only read
        // it), with its path; a scenario without kinds sends every request to '/'.
        var classes = scenario.RequestClasses ?? [];
        _classRequests = [.. classes.Select(c => new HttpRequestMessage(HttpMethod.Get, "http://simulation" + c.Path))];
        var totalShare = classes.Sum(c => c.Share);
        var cumulative = 0.0;
        _classCumulative = [.. classes.Select(c => cumulative += c.Share / totalShare)];
        _classDraws = [.. _clients.Select(c => new SimulationRandom(SimulationRandom.Derive(options.Seed, SeedStreams.RequestClasses, c.Index)))];
        foreach (var backend in _backends)
        {
            backend.ClassFactors = [.. classes.Select(c => backend.Spec.PathFactor(c.Path))];
        }

        _changes = [.. scenario.Timeline];
        _changeBackends = [.. _changes.Select(c => Array.FindIndex(_backends, b => string.Equals(b.Name, c.Backend, StringComparison.OrdinalIgnoreCase)))];
    }

    public ContenderResult Run()
    {
        foreach (var client in _clients)
        {
            ScheduleArrival(client.Index, 0);
        }

        for (var i = 0; i < _changes.Length; i++)
        {
            _clock.ScheduleAt(_changes[i].At.Ticks, this, ChangeEvent, i, 0);
        }

        foreach (var backend in _backends)
        {
            var spec = backend.Spec;
            if (spec.StallEvery > TimeSpan.Zero && spec.StallDuration > TimeSpan.Zero && spec.StallEvery.Ticks < _durationTicks)
            {
                _clock.ScheduleAt(spec.StallEvery.Ticks, this, PeriodicStallEvent, backend.Index, 0);
            }
        }

        // Arrivals stop at the duration; the run ends when the last request has finished (the timeout bounds that).
        while (_clock.RunNext(long.MaxValue))
        {
            if (_outstanding == 0 && _clock.ElapsedTicks >= _durationTicks)
            {
                break;
            }
        }

        _clock.Clear();
        foreach (var client in _clients)
        {
            (client.Selector as IDisposable)?.Dispose();
        }

        return _statistics.ToResult(_contender.Name);
    }

    public void OnEvent(int kind, int a, int b)
    {
        switch (kind)
        {
            case ArrivalEvent:
                OnArrival(_clients[a]);
                break;
            case CompletionEvent:
                OnCompletion(_requests[a], b);
                break;
            case TimeoutEvent:
                OnTimeoutCheck();
                break;
            case StallEndEvent:
                OnStallEnd(_backends[a]);
                break;
            case PeriodicStallEvent:
                OnPeriodicStall(_backends[a]);
                break;
            default:
                OnChange(_changes[a], _backends[_changeBackends[a]]);
                break;
        }
    }

    private void ScheduleArrival(int client, long now)
    {
        var next = now + (long)Math.Round(_clients[client].Arrivals.NextExponential() * _clients[client].MeanInterarrivalTicks);
        if (next < _durationTicks)
        {
            _clock.ScheduleAt(next, this, ArrivalEvent, client, 0);
        }
    }

    private void OnArrival(SimulatedClient client)
    {
        var now = _clock.ElapsedTicks;
        ScheduleArrival(client.Index, now);
        var classIndex = DrawClass(client.Index);
        var endpoint = client.Selector.Select(new SelectionContext(client.Endpoints, RequestOf(classIndex)));
        if (endpoint is null)
        {
            _statistics.NoEndpoint();
            return;
        }

        var index = client.IndexOf(endpoint);
        if (index < 0)
        {
            throw new InvalidOperationException($"Contender '{_contender.Name}' returned endpoint {endpoint}, which is not one of the client's endpoints.");
        }

        _statistics.Sent(now, index);
        var backend = _backends[index];
        var request = Rent();
        request.Backend = backend;
        request.ArrivalTicks = now;
        request.ClassIndex = classIndex;
        request.Lease = client.Tracker.Begin(endpoint, 1);
        _outstanding++;
        _deadlines.Enqueue(new RequestRef(request, request.Version));
        if (!_timeoutScheduled)
        {
            _timeoutScheduled = true;
            _clock.ScheduleAt(now + _timeoutTicks, this, TimeoutEvent, 0, 0);
        }

        if (!backend.Running)
        {
            Finish(request, RequestOutcome.Refused);
        }
        else if (now < backend.StalledUntilTicks)
        {
            request.State = RequestState.Held;
            backend.AddResident(request);
            backend.Held.Enqueue(new RequestRef(request, request.Version));
            backend.HeldCount++;
        }
        else
        {
            Process(request);
        }
    }

    /// <summary>What the backend does with a request once no stall holds it: reset, 503, swallow, serve or queue.</summary>
    private void Process(SimulatedRequest request)
    {
        var backend = request.Backend;
        var draw = backend.Random.NextDouble();
        if (draw < backend.Reset)
        {
            Finish(request, RequestOutcome.Reset);
            return;
        }

        if (draw < backend.Reset + backend.Failure)
        {
            Finish(request, RequestOutcome.Unavailable);
            return;
        }

        backend.AddResident(request);
        if (backend.BlackHoleOn)
        {
            request.State = RequestState.Swallowed;
        }
        else if (backend.InServiceCount < backend.Capacity)
        {
            StartService(request);
        }
        else
        {
            request.State = RequestState.Waiting;
            backend.Waiting.Enqueue(new RequestRef(request, request.Version));
            backend.WaitingCount++;
        }
    }

    private void StartService(SimulatedRequest request)
    {
        var backend = request.Backend;
        backend.InServiceCount++;
        request.State = RequestState.InService;
        _clock.ScheduleAt(_clock.ElapsedTicks + backend.NextServiceTicks(request.ClassIndex), this, CompletionEvent, request.Id, request.Version);
    }

    private void OnCompletion(SimulatedRequest request, int version)
    {
        if (request.Version != version)
        {
            return;
        }

        var backend = request.Backend;
        backend.InServiceCount--;
        backend.Served++;
        Finish(request, RequestOutcome.Ok);
        AdmitWaiting(backend);
    }

    private void AdmitWaiting(SimulatedBackend backend)
    {
        while (backend.InServiceCount < backend.Capacity && backend.Waiting.TryDequeue(out var next))
        {
            if (next.IsLive)
            {
                backend.WaitingCount--;
                StartService(next.Request);
            }
        }
    }

    /// <summary>Times out every request past its deadline; deadlines come in arrival order, as the timeout is the same for all.</summary>
    private void OnTimeoutCheck()
    {
        var now = _clock.ElapsedTicks;
        while (_deadlines.TryPeek(out var head))
        {
            if (!head.IsLive)
            {
                _deadlines.Dequeue();
                continue;
            }

            var deadline = head.Request.ArrivalTicks + _timeoutTicks;
            if (deadline > now)
            {
                _clock.ScheduleAt(deadline, this, TimeoutEvent, 0, 0);
                return;
            }

            _deadlines.Dequeue();
            TimeOut(head.Request);
        }

        _timeoutScheduled = false;
    }

    /// <summary>The client gives up: the backend drops the request wherever it is, freeing its service slot.</summary>
    private void TimeOut(SimulatedRequest request)
    {
        var backend = request.Backend;
        var state = request.State;
        switch (state)
        {
            case RequestState.InService:
                backend.InServiceCount--;
                break;
            case RequestState.Waiting:
                backend.WaitingCount--;
                break;
            case RequestState.Held:
                backend.HeldCount--;
                break;
        }

        Finish(request, RequestOutcome.Timeout);
        if (state == RequestState.InService)
        {
            AdmitWaiting(backend);
        }
    }

    private void Stall(SimulatedBackend backend, long durationTicks)
    {
        if (_clock.ElapsedTicks >= backend.StalledUntilTicks)
        {
            // A window closing at this very instant releases its requests before the next one opens.
            ReleaseHeld(backend);
        }

        var end = _clock.ElapsedTicks + durationTicks;
        if (end > backend.StalledUntilTicks)
        {
            backend.StalledUntilTicks = end;
            _clock.ScheduleAt(end, this, StallEndEvent, backend.Index, 0);
        }
    }

    private void OnStallEnd(SimulatedBackend backend)
    {
        if (_clock.ElapsedTicks < backend.StalledUntilTicks)
        {
            return; // The window was extended; a later event closes it.
        }

        ReleaseHeld(backend);
    }

    private void ReleaseHeld(SimulatedBackend backend)
    {
        while (backend.Held.TryDequeue(out var held))
        {
            if (held.IsLive)
            {
                backend.HeldCount--;
                Process(held.Request);
            }
        }
    }

    private void OnPeriodicStall(SimulatedBackend backend)
    {
        var spec = backend.Spec;
        if (backend.Running)
        {
            Stall(backend, spec.StallDuration.Ticks);
        }

        var next = _clock.ElapsedTicks + spec.StallEvery.Ticks;
        if (next < _durationTicks)
        {
            _clock.ScheduleAt(next, this, PeriodicStallEvent, backend.Index, 0);
        }
    }

    private void OnChange(ScenarioChange change, SimulatedBackend backend)
    {
        switch (change.Kind)
        {
            case ScenarioChangeKind.SetSlowdown:
                backend.Slowdown = change.Value;
                break;
            case ScenarioChangeKind.SetFailureShare:
                backend.Failure = change.Value;
                break;
            case ScenarioChangeKind.SetResetShare:
                backend.Reset = change.Value;
                break;
            case ScenarioChangeKind.SetBlackHole:
                backend.BlackHoleOn = change.Value != 0;
                break;
            case ScenarioChangeKind.Stop:
                StopBackend(backend);
                break;
            case ScenarioChangeKind.Start:
                backend.Running = true;
                break;
            case ScenarioChangeKind.Stall:
                Stall(backend, change.Duration.Ticks);
                break;
        }
    }

    /// <summary>A stopped backend resets every connection it holds and refuses new ones.</summary>
    private void StopBackend(SimulatedBackend backend)
    {
        backend.Running = false;
        while (backend.Resident.Count > 0)
        {
            Finish(backend.Resident[^1], RequestOutcome.Reset);
        }

        backend.Waiting.Clear();
        backend.Held.Clear();
        backend.InServiceCount = 0;
        backend.WaitingCount = 0;
        backend.HeldCount = 0;
        backend.StalledUntilTicks = 0;
    }

    private void Finish(SimulatedRequest request, RequestOutcome outcome)
    {
        (HttpResponseMessage? response, Exception? exception) = outcome switch
        {
            RequestOutcome.Ok => (SimulatedResponses.Ok, null),
            RequestOutcome.Unavailable => (SimulatedResponses.ServiceUnavailable, null),
            RequestOutcome.Refused => (null, SimulatedResponses.ConnectionRefused),
            RequestOutcome.Reset => (null, SimulatedResponses.ConnectionReset),
            _ => ((HttpResponseMessage?)null, (Exception?)SimulatedResponses.Timeout),
        };
        request.Lease.Complete(RequestOf(request.ClassIndex), response, exception, canceled: false);
        _statistics.Finished(outcome, _clock.ElapsedTicks - request.ArrivalTicks);
        if (request.ResidentIndex >= 0)
        {
            request.Backend.RemoveResident(request);
        }

        _outstanding--;
        request.Version++;
        request.State = RequestState.Free;
        request.Lease = default;
        _free.Push(request);
    }

    /// <summary>Draws the kind of an arriving request by its share (always 0 for a scenario with fewer than two kinds).</summary>
    private int DrawClass(int client)
    {
        if (_classCumulative.Length < 2)
        {
            return 0;
        }

        var draw = _classDraws[client].NextDouble();
        for (var i = 0; i < _classCumulative.Length - 1; i++)
        {
            if (draw < _classCumulative[i])
            {
                return i;
            }
        }

        return _classCumulative.Length - 1;
    }

    private HttpRequestMessage RequestOf(int classIndex) => _classRequests.Length == 0 ? SimulatedResponses.Request : _classRequests[classIndex];

    private SimulatedRequest Rent()
    {
        if (_free.TryPop(out var request))
        {
            return request;
        }

        request = new SimulatedRequest(_requests.Count);
        _requests.Add(request);
        return request;
    }
}
