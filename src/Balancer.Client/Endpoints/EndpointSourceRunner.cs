using System.Globalization;
using Balancer.Client.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Endpoints;

/// <summary>
/// Runs one <see cref="IEndpointSource"/> of a client on a background task (started again after a crash, with a growing
/// delay) and validates what it publishes before the client merges it into its endpoint set.
/// </summary>
internal sealed class EndpointSourceRunner : IEndpointPublisher, IDisposable
{
    private static readonly TimeSpan s_firstRestartDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_maxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly EndpointSetAssembler _assembler;
    private readonly ILogger _logger;
    private readonly IEndpointSource _source;
    private readonly Action<EndpointSourceRunner> _changed;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _lock = new();
    private List<EndpointDefinition>? _definitions;
    private Task _running = Task.CompletedTask;
    private int _reported;

    public EndpointSourceRunner(string clientName, TimeProvider timeProvider, ILogger logger, EndpointSetAssembler assembler, IEndpointSource source, Action<EndpointSourceRunner> changed)
    {
        ClientName = clientName;
        TimeProvider = timeProvider;
        _logger = logger;
        _assembler = assembler;
        _source = source;
        _changed = changed;
        Description = source.ToString() ?? source.GetType().Name;
    }

    public string ClientName { get; }

    public TimeProvider TimeProvider { get; }

    public string Description { get; }

    /// <summary>The last good endpoints of this source, or <see langword="null"/> before its first good publication.</summary>
    public List<EndpointDefinition>? Definitions
    {
        get
        {
            lock (_lock)
            {
                return _definitions;
            }
        }
    }

    /// <summary>Whether the source published or reported an error at least once.</summary>
    public bool HasReported => Volatile.Read(ref _reported) != 0;

    /// <summary>The last error the source reported or threw since its last good publication.</summary>
    public Exception? LastError { get; private set; }

    public void Start() => _running = Task.Run(RunAsync);

    public int Publish(IReadOnlyList<BalancerEndpointOptions> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (_stop.IsCancellationRequested)
        {
            return 0;
        }

        var problems = new List<string>();
        var accepted = new List<EndpointDefinition>(endpoints.Count);
        EndpointValidation.Collect(
            endpoints,
            "endpoints",
            (field, value, problem) => problems.Add(string.Create(CultureInfo.InvariantCulture, $"{field} '{value}' {problem}.")),
            accepted);
        var policy = _assembler.AddressPolicy;
        accepted.RemoveAll(definition =>
        {
            if (policy.Check(definition.Address) is not { } refused)
            {
                return false;
            }

            problems.Add(string.Create(CultureInfo.InvariantCulture, $"address '{definition.Address}' {refused}."));
            return true;
        });

        if (problems.Count > 0)
        {
            Log.SourceInvalidEntries(_logger, ClientName, Description, string.Join(" ", problems));
        }

        if (accepted.Count == 0 && !_assembler.AcceptEmptyFromSources)
        {
            Log.SourceEmpty(_logger, ClientName, Description);
            LastError = new InvalidOperationException($"Endpoint source {Description} published no valid endpoint.");
            MarkReported();
            return 0;
        }

        lock (_lock)
        {
            _definitions = accepted;
        }

        LastError = null;
        Log.SourcePublished(_logger, ClientName, Description, accepted.Count);
        MarkReported();
        _changed(this);
        return accepted.Count;
    }

    public string? CheckAddress(string address) =>
        EndpointAddress.TryParse(address, out var parsed, out var problem) ? _assembler.AddressPolicy.Check(parsed) : problem;

    public void ReportError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        LastError = exception;
        Log.SourceRefreshFailed(_logger, exception, ClientName, Description);
        MarkReported();
    }

    /// <summary>Stops the source and waits for it a little: the client is going away, nothing must run after it.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _running.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // Already logged by the loop.
        }

        switch (_source)
        {
            case IAsyncDisposable asyncDisposable:
                asyncDisposable.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(2));
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        _stop.Dispose();
    }

    private void MarkReported()
    {
        if (Interlocked.Exchange(ref _reported, 1) == 0)
        {
            _changed(this);
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var delay = s_firstRestartDelay;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _source.RunAsync(this, token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A source's failure must never take the client down: log it and start the source again.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LastError = exception;
                Log.SourceFailed(_logger, exception, ClientName, Description, delay);
                MarkReported();
            }

            try
            {
                await Task.Delay(delay, TimeProvider, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxRestartDelay.Ticks));
        }
    }
}
