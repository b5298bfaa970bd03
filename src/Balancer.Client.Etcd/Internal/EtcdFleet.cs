using System.Globalization;
using System.Text;
using System.Text.Json;
using Balancer.Client.Endpoints;
using Microsoft.Extensions.Logging;

namespace Balancer.Client.Etcd.Internal;

/// <summary>
/// One client instance's membership in its fleet: registers the instance under the fleet's prefix with a lease (kept
/// alive, granted again after an outage), follows the prefix, and gives the client the slice of endpoints that
/// <see cref="DeterministicAperture"/> assigns to its rank. Entirely off the request path: while etcd is unreachable
/// the instance keeps the last members it saw (itself alone when it never saw any, that is every endpoint), logs it
/// once, and resumes when etcd is back.
/// </summary>
internal sealed class EtcdFleet : IEndpointSubsetter, IAsyncDisposable, IDisposable
{
    private readonly string _clientName;
    private readonly EtcdFleetOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly EtcdGateway _gateway;
    private readonly HttpClient? _ownedClient;
    private readonly EtcdPrefixFollower _follower;
    private readonly EtcdPrefixFollower? _estimatesFollower;
    private readonly string _prefix;
    private readonly string _membersPrefix;
    private readonly string _estimatesKey;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly FleetMetrics? _metrics;
    private string[] _members = [];
    private EtcdRegistration? _registration;
    private volatile Exception? _lastError;
    private int _outage;
    private int _disposed;

    public EtcdFleet(string clientName, EtcdFleetOptions options, Func<HttpClient> http, ILogger logger, TimeProvider timeProvider, FleetMetrics? metrics = null)
    {
        _clientName = clientName;
        _metrics = metrics;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
        _prefix = options.Prefix!;
        MemberId = options.MemberId ?? DefaultMemberId();
        _ownedClient = EtcdTransport.HasCertificates(options) ? EtcdTransport.CreateClient(options) : null;
        _gateway = new EtcdGateway(_ownedClient ?? http(), options.Endpoints, options.RequestTimeout, options.Username, options.Password);
        _membersPrefix = _prefix + "members/";
        _estimatesKey = _prefix + "estimates/" + MemberId;
        _follower = new EtcdPrefixFollower(_gateway, _membersPrefix, clientName, logger, options.RetryDelay, options.MaxRetryDelay);
        if (options.WarmStart || options.SharedEjection)
        {
            Estimates = new FleetEstimates(clientName, _estimatesKey, logger, timeProvider, options.EstimateInterval, options.WarmStart, options.SharedEjection ? options.EjectionQuorum : 0);
            _estimatesFollower = new EtcdPrefixFollower(_gateway, _prefix + "estimates/", clientName, logger, options.RetryDelay, options.MaxRetryDelay);
        }

        _running = Task.Run(RunAsync);
        _metrics?.Add(this);
    }

    /// <summary>Gets the name of the balanced client this fleet membership belongs to.</summary>
    public string ClientName => _clientName;

    /// <inheritdoc/>
    public event EventHandler? Changed;

    /// <summary>Gets this instance's member id.</summary>
    public string MemberId { get; }

    /// <summary>Gets the member ids seen under the prefix, sorted; this instance counts as a member even before its key is written.</summary>
    public IReadOnlyList<string> Members => WithSelf(Volatile.Read(ref _members));

    /// <summary>Gets the member ids read from etcd, sorted, without adding this instance.</summary>
    public IReadOnlyList<string> Seen => Volatile.Read(ref _members);

    /// <summary>Gets whether the instance's key is written and the prefix followed: false while etcd is unreachable.</summary>
    public bool IsConnected => Volatile.Read(ref _outage) == 0 && Volatile.Read(ref _registration) is { LastError: null };

    /// <summary>Gets the last failure talking to etcd, or <see langword="null"/>.</summary>
    public Exception? LastError => _lastError ?? Volatile.Read(ref _registration)?.LastError;


    /// <summary>Gets the warm-start estimates, or <see langword="null"/> when <see cref="EtcdFleetOptions.WarmStart"/> is off.</summary>
    public FleetEstimates? Estimates { get; }

    public void Assign(IReadOnlyList<Uri> endpoints, Span<double> shares)
    {
        var members = WithSelf(Volatile.Read(ref _members));
        var rank = Array.BinarySearch(members, MemberId, StringComparer.Ordinal);
        var keys = new string[endpoints.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = endpoints[i].AbsoluteUri;
        }

        DeterministicAperture.Assign(DeterministicAperture.RingIndex(keys), rank, members.Length, _options.ApertureSize, shares);
        Estimates?.OnKnown(endpoints);
    }

    public void OnEndpointsChanged(IReadOnlyList<BalancerEndpoint> endpoints) => Estimates?.OnEndpoints(endpoints);

    public void Attach(IEndpointHealthControl health) => Estimates?.Attach(health);

    public void Attach(IRequestClassEstimates classes) => Estimates?.Attach(classes);

    public string Describe()
    {
        var members = WithSelf(Volatile.Read(ref _members));
        var rank = Array.BinarySearch(members, MemberId, StringComparer.Ordinal);
        var state = IsConnected ? "following etcd"
            : LastError is { } error ? $"etcd unreachable, keeping the last members known ({error.Message})"
            : "connecting to etcd";
        var warm = Estimates is { } estimates
            ? string.Create(CultureInfo.InvariantCulture, $"; warm start: {estimates.Seeded} endpoints seeded from the estimates of {estimates.Members} members{(estimates.SeededClasses > 0 ? $", and {estimates.SeededClasses} request classes" : string.Empty)}; shared ejection: {estimates.FleetEjected} ejections on the fleet's quorum")
                + (estimates.DescribeVerdicts() is { Length: > 0 } verdicts ? "; out for other members: " + verdicts : string.Empty)
            : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"etcd fleet '{_prefix}': member '{MemberId}', rank {rank} of {members.Length}, aperture size {_options.ApertureSize}; {state}{warm}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _metrics?.Remove(this);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        if (Volatile.Read(ref _registration) is { } registration)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }

        _ownedClient?.Dispose();
        _stop.Dispose();
    }

    /// <summary>Disposes synchronously (a container disposed with <c>Dispose</c>): waits for the lease to be revoked, at most the request timeout.</summary>
    public void Dispose()
    {
        var disposing = DisposeAsync().AsTask();
        disposing.Wait(_options.RequestTimeout + TimeSpan.FromSeconds(1));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"etcd fleet {_prefix} as {MemberId}");

#pragma warning disable CA5394 // A suffix that keeps two instances of one process apart; not a secret.
    private static string DefaultMemberId()
    {
        var host = new string([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);
        return string.Create(CultureInfo.InvariantCulture, $"{host}-{Environment.ProcessId}-{Random.Shared.Next():x8}");
    }
#pragma warning restore CA5394

    private string[] WithSelf(string[] members)
    {
        var index = Array.BinarySearch(members, MemberId, StringComparer.Ordinal);
        return index >= 0 ? members : [.. members[..~index], MemberId, .. members[~index..]];
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        await Task.WhenAll(
            RegisterAndShareAsync(token),
            _follower.RunAsync(OnMembers, OnFailure, _timeProvider, token, OnWatching),
            _estimatesFollower is null ? Task.CompletedTask : _estimatesFollower.RunAsync(Estimates!.OnDocuments, OnFailure, _timeProvider, token)).ConfigureAwait(false);
    }

    private async Task RegisterAndShareAsync(CancellationToken token)
    {
        await RegisterAsync(token).ConfigureAwait(false);
        if (Estimates is not { } estimates)
        {
            return;
        }

        // Under the member's lease, so the document leaves with the member: one write per interval, or within a second
        // of a change of this member's verdicts, never more than one per second.
        var key = EtcdKeys.Encode(_estimatesKey);
        var writtenOut = string.Empty;
        var writtenAt = _timeProvider.GetTimestamp();
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _timeProvider, token).ConfigureAwait(false);
                estimates.Tick();
                var document = estimates.Write(out var outKeys);
                var due = _timeProvider.GetElapsedTime(writtenAt) >= _options.EstimateInterval || !string.Equals(outKeys, writtenOut, StringComparison.Ordinal);
                if (due && document is not null && Volatile.Read(ref _registration) is { } registration)
                {
                    writtenOut = outKeys;
                    writtenAt = _timeProvider.GetTimestamp();
                    await _gateway.PutAsync(key, document, registration.LeaseId, token).ConfigureAwait(false);
                    if (Volatile.Read(ref _outage) == 0)
                    {
                        _lastError = null;
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Kept for LastError; the next interval writes again (an outage is reported by the watches).
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _lastError = exception;
            }
        }
    }

    /// <summary>Writes the member key under a lease, trying again until it succeeds; the registration then keeps it alive.</summary>
    private async Task RegisterAsync(CancellationToken token)
    {
        var delay = _options.RetryDelay;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var registration = await EtcdRegistration.RegisterKeyAsync(_gateway, _membersPrefix + MemberId, MemberValue(), _options.MemberTtl, _options.RequestTimeout, token).ConfigureAwait(false);
                Volatile.Write(ref _registration, registration);
                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Reported and tried again: the fleet works with what it knows meanwhile.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                OnFailure(exception);
                try
                {
                    await Task.Delay(delay, _timeProvider, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    private byte[] MemberValue()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("client", _clientName);
            json.WriteString("host", Environment.MachineName);
            json.WriteNumber("pid", Environment.ProcessId);
            json.WriteString("started", _timeProvider.GetUtcNow());
            json.WriteNumber("apertureSize", _options.ApertureSize);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private void OnMembers(IReadOnlyDictionary<string, byte[]> values)
    {
        var members = new List<string>(values.Count);
        foreach (var (key, value) in values)
        {
            var id = key[_membersPrefix.Length..];
            if (id.Length == 0 || id.Contains('/', StringComparison.Ordinal) || !IsJsonObject(value))
            {
                Log.InvalidMember(_logger, _clientName, key, EtcdKeys.Quote(value));
                continue;
            }

            members.Add(id);
        }

        members.Sort(StringComparer.Ordinal);
        string[] next = [.. members];

        var previous = Volatile.Read(ref _members);
        if (!previous.SequenceEqual(next, StringComparer.Ordinal))
        {
            Volatile.Write(ref _members, next);
            Log.FleetChanged(_logger, _clientName, _prefix, WithSelf(next).Length, MemberId);
            RaiseChanged();
        }
    }

    /// <summary>
    /// Tells each subscriber in turn: one that throws is logged, the others are still told, and it does not count as an
    /// etcd failure (the membership was read). Membership changes are rare, so the invocation list may be allocated.
    /// </summary>
    private void RaiseChanged()
    {
        if (Changed is not { } changed)
        {
            return;
        }

        foreach (var handler in changed.GetInvocationList())
        {
            try
            {
                ((EventHandler)handler).Invoke(this, EventArgs.Empty);
            }
#pragma warning disable CA1031 // A subscriber's fault: logged, and the follower goes on.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.ChangedHandlerFailed(_logger, exception, _clientName, _prefix);
            }
        }
    }

    private void OnWatching()
    {
        if (Interlocked.Exchange(ref _outage, 0) != 0)
        {
            _lastError = null;
            Log.FleetResumed(_logger, _clientName, _prefix, Members.Count);
        }
    }

    private void OnFailure(Exception exception)
    {
        _lastError = exception;
        if (Interlocked.Exchange(ref _outage, 1) == 0)
        {
            Log.FleetUnavailable(_logger, exception, _clientName, _prefix, Members.Count);
        }
    }

    private static bool IsJsonObject(byte[] value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
