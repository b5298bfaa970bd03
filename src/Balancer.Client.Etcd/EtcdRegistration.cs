using System.Globalization;
using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd;

/// <summary>
/// A service instance registered in etcd under a lease: the key lives as long as the registration keeps the lease
/// alive. Dispose it on shutdown to remove the key at once; if the process dies instead, etcd removes the key when the
/// lease expires, one TTL after the last renewal.
/// </summary>
/// <example>
/// <code>
/// await using var registration = await EtcdRegistration.RegisterAsync(
///     new EtcdClientOptions { Endpoints = [new Uri("http://127.0.0.1:2379")] },
///     "/services/catalog/",
///     new EtcdInstance { Address = "http://10.0.0.5:8080", Zone = "eu-1b" },
///     ttl: TimeSpan.FromSeconds(10));
/// </code>
/// </example>
public sealed class EtcdRegistration : IAsyncDisposable
{
    private readonly EtcdGateway _gateway;
    private readonly HttpClient? _ownedClient;
    private readonly byte[] _key;
    private readonly byte[] _value;
    private readonly long _ttlSeconds;
    private readonly TimeSpan _requestTimeout;
    private readonly CancellationTokenSource _stop = new();
    private Task _keepAlive = Task.CompletedTask;
    private long _leaseId;
    private Exception? _lastError;
    private int _disposed;

    private EtcdRegistration(EtcdGateway gateway, HttpClient? ownedClient, string key, byte[] value, long ttlSeconds, TimeSpan requestTimeout)
    {
        _gateway = gateway;
        _ownedClient = ownedClient;
        Key = key;
        _key = EtcdKeys.Encode(key);
        _value = value;
        _ttlSeconds = ttlSeconds;
        _requestTimeout = requestTimeout;
    }

    /// <summary>Gets the instance's key: the prefix followed by the instance's <see cref="EtcdInstance.Id"/>.</summary>
    public string Key { get; }

    /// <summary>Gets the id of the lease the key is attached to; it changes when the lease expired and was granted again.</summary>
    public long LeaseId => Volatile.Read(ref _leaseId);

    /// <summary>Gets the lease's time to live, in whole seconds; the lease is renewed every third of it.</summary>
    public TimeSpan Ttl => TimeSpan.FromSeconds(_ttlSeconds);

    /// <summary>
    /// Gets the error of the last renewal, or <see langword="null"/> when it succeeded. Renewals go on after a failure;
    /// when the lease expired meanwhile (etcd was unreachable for longer than the TTL), a new lease is granted and the
    /// key written again.
    /// </summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Registers <paramref name="instance"/> under <paramref name="prefix"/> through <paramref name="httpClient"/>, whose
    /// <see cref="HttpClient.BaseAddress"/> is etcd's client URL (such as <c>http://127.0.0.1:2379</c>): grants a lease of
    /// <paramref name="ttl"/>, writes the key with it and keeps it alive in the background.
    /// </summary>
    /// <param name="httpClient">A client whose base address is an etcd member; it is not disposed with the registration.</param>
    /// <param name="prefix">The service's key prefix, ending with <c>/</c>, such as <c>/services/catalog/</c>.</param>
    /// <param name="instance">The instance: its address, weight, zone, priority, metadata and optional id.</param>
    /// <param name="ttl">The lease's time to live, from 1 second to 1 day, rounded up to whole seconds.</param>
    /// <param name="cancellationToken">Cancels the registration.</param>
    /// <returns>The registration; dispose it to remove the key.</returns>
    /// <exception cref="ArgumentException">The prefix, the instance or the TTL is invalid.</exception>
    /// <exception cref="EtcdException">etcd could not be reached or refused the lease or the key.</exception>
#pragma warning disable RS0026 // The overloads differ in their first parameter's type: no call is ambiguous.
    public static Task<EtcdRegistration> RegisterAsync(HttpClient httpClient, string prefix, EtcdInstance instance, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        Validate(prefix, instance, ttl, problems: null);
        var gateway = new EtcdGateway(httpClient, [], EtcdConstants.DefaultRequestTimeout);
        return RegisterCoreAsync(gateway, null, prefix, instance, ttl, EtcdConstants.DefaultRequestTimeout, cancellationToken);
    }

    /// <summary>
    /// Registers <paramref name="instance"/> under <paramref name="prefix"/> on the etcd cluster of
    /// <paramref name="options"/>: grants a lease of <paramref name="ttl"/>, writes the key with it and keeps it alive
    /// in the background.
    /// </summary>
    /// <param name="options">The etcd members to use.</param>
    /// <param name="prefix">The service's key prefix, ending with <c>/</c>, such as <c>/services/catalog/</c>.</param>
    /// <param name="instance">The instance: its address, weight, zone, priority, metadata and optional id.</param>
    /// <param name="ttl">The lease's time to live, from 1 second to 1 day, rounded up to whole seconds.</param>
    /// <param name="cancellationToken">Cancels the registration.</param>
    /// <returns>The registration; dispose it to remove the key.</returns>
    /// <exception cref="ArgumentException">The options, the prefix, the instance or the TTL is invalid.</exception>
    /// <exception cref="EtcdException">etcd could not be reached or refused the lease or the key.</exception>
    public static async Task<EtcdRegistration> RegisterAsync(EtcdClientOptions options, string prefix, EtcdInstance instance, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        EtcdOptionsValidator.CollectClient(options, (field, value, problem) => problems.Add($"{field} '{value}' {problem}"));
        Validate(prefix, instance, ttl, problems);

        var client = EtcdTransport.CreateClient(options);
        try
        {
            var gateway = new EtcdGateway(client, options.Endpoints, options.RequestTimeout, options.Username, options.Password);
            return await RegisterCoreAsync(gateway, client, prefix, instance, ttl, options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
#pragma warning restore RS0026

    /// <summary>Stops the renewals and revokes the lease, which removes the key; a failed revoke leaves the key to expire after its TTL.</summary>
    /// <returns>A task that completes when the lease is revoked or the revoke failed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(false);
        await TryRevokeAsync(LeaseId).ConfigureAwait(false);
        _ownedClient?.Dispose();
        _stop.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Key} (lease {LeaseId}, TTL {_ttlSeconds} s)");

    private static void Validate(string prefix, EtcdInstance instance, TimeSpan ttl, List<string>? problems)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(instance);
        problems ??= [];
        if (EtcdOptionsValidator.ValidatePrefix(prefix) is { } prefixProblem)
        {
            problems.Add($"Prefix '{prefix}' {prefixProblem}");
        }

        problems.AddRange(instance.Validate());
        if (ttl < EtcdConstants.MinLeaseTtl || ttl > EtcdConstants.MaxLeaseTtl)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Ttl '{ttl}' is out of range; allowed from {EtcdConstants.MinLeaseTtl} to {EtcdConstants.MaxLeaseTtl}"));
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Cannot register in etcd: {string.Join("; ", problems)}.");
        }
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/> under a lease of <paramref name="ttl"/> kept alive in the background (a fleet member).</summary>
    internal static Task<EtcdRegistration> RegisterKeyAsync(EtcdGateway gateway, string key, byte[] value, TimeSpan ttl, TimeSpan requestTimeout, CancellationToken cancellationToken) =>
        StartAsync(new EtcdRegistration(gateway, null, key, value, (long)Math.Ceiling(ttl.TotalSeconds), requestTimeout), cancellationToken);

    private static Task<EtcdRegistration> RegisterCoreAsync(EtcdGateway gateway, HttpClient? ownedClient, string prefix, EtcdInstance instance, TimeSpan ttl, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        var ttlSeconds = (long)Math.Ceiling(ttl.TotalSeconds);
        return StartAsync(new EtcdRegistration(gateway, ownedClient, prefix + instance.ResolveId(), instance.ToJsonUtf8(), ttlSeconds, requestTimeout), cancellationToken);
    }

    private static async Task<EtcdRegistration> StartAsync(EtcdRegistration registration, CancellationToken cancellationToken)
    {
        await registration.GrantAndPutAsync(cancellationToken).ConfigureAwait(false);
        registration._keepAlive = Task.Run(registration.KeepAliveAsync, CancellationToken.None);
        return registration;
    }

    private async Task GrantAndPutAsync(CancellationToken cancellationToken)
    {
        var lease = await _gateway.GrantAsync(_ttlSeconds, cancellationToken).ConfigureAwait(false);
        try
        {
            await _gateway.PutAsync(_key, _value, lease, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await TryRevokeAsync(lease).ConfigureAwait(false);
            throw;
        }

        Volatile.Write(ref _leaseId, lease);
    }

    /// <summary>Revokes a lease, best effort: when etcd cannot be reached, the lease expires by itself after its TTL.</summary>
    private async Task TryRevokeAsync(long lease)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_requestTimeout);
            await _gateway.RevokeAsync(lease, timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort, see above.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task KeepAliveAsync()
    {
        var interval = TimeSpan.FromSeconds(_ttlSeconds / 3.0);
        var token = _stop.Token;
        while (true)
        {
            try
            {
                await Task.Delay(interval, token).ConfigureAwait(false);
                if (await _gateway.KeepAliveAsync(LeaseId, token).ConfigureAwait(false) <= 0)
                {
                    // The lease expired (etcd was unreachable for longer than the TTL) and took the key with it.
                    await GrantAndPutAsync(token).ConfigureAwait(false);
                }

                Volatile.Write(ref _lastError, null);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed renewal is kept for LastError and tried again: the lease has two more chances before it expires.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Volatile.Write(ref _lastError, exception);
            }
        }
    }
}
