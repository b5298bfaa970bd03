using System.Runtime.CompilerServices;
using Balancer.Client.Endpoints;

namespace Balancer.Client.Feedback;

/// <summary>
/// The per-request data that a later stage of the same request needs: the endpoints earlier attempts went to (for the
/// next pick, the retry's message, the connect callbacks) and the request class of the last pick (for the learned
/// model's feedback). It travels in <see cref="HttpRequestMessage.Options"/> under one key, which this class alone
/// reads and writes; its value is the cheapest object that holds what is known so far:
/// <list type="bullet">
/// <item>one <see cref="BalancerEndpoint"/>: a first attempt, without allocation;</item>
/// <item>a <see cref="ClassifiedAttempt"/>: a request class, with no or one endpoint tried, shared (made once per class
/// and endpoint) so that classifying a request allocates nothing either;</item>
/// <item>a <see cref="RequestAttempts"/>: made when a second attempt or a hedged copy needs it, and shared from then
/// on by every attempt and copy of the logical request.</item>
/// </list>
/// </summary>
internal static class AttemptContext
{
    /// <summary>The most request classes a request can be given (<see cref="SetRequestClass"/> takes 0 to this − 1).</summary>
    public const int MaxRequestClasses = 1024;

    private static readonly HttpRequestOptionsKey<object> s_key = new("Balancer.Client.Attempt");

    /// <summary>Gets the endpoints earlier attempts of this request went to, in order (empty, without allocation, when none).</summary>
    public static BalancerEndpoint[] GetTried(HttpRequestMessage request) => Get(request) switch
    {
        BalancerEndpoint one => [one],
        ClassifiedAttempt { Endpoint: { } one } => [one],
        RequestAttempts attempts => attempts.Tried,
        _ => [],
    };

    /// <summary>
    /// Records an attempt on <paramref name="endpoint"/>, chosen after seeing <paramref name="seen"/>, unless a
    /// concurrent copy of the same request took that endpoint since: then it returns <see langword="false"/>, and the
    /// caller picks again among the endpoints <see cref="GetTried"/> now returns.
    /// </summary>
    public static bool TryAddTried(HttpRequestMessage request, BalancerEndpoint[] seen, BalancerEndpoint endpoint)
    {
        switch (Get(request))
        {
            case null:
                Set(request, endpoint);
                return true;
            case ClassifiedAttempt { Endpoint: null } classified:
                Set(request, ClassifiedAttempt.Of(endpoint, classified.RequestClass));
                return true;
            case RequestAttempts attempts:
                return attempts.TryAdd(seen, endpoint);
            default:
                return Share(request).TryAdd(seen, endpoint);
        }
    }

    /// <summary>
    /// The attempts of this logical request, created on first use. Copies of the request that carry the same options
    /// value (hedged copies, see <see cref="CopyOptions"/>) see each other's endpoints.
    /// </summary>
    public static RequestAttempts Share(HttpRequestMessage request)
    {
        var value = Get(request);
        if (value is RequestAttempts attempts)
        {
            return attempts;
        }

        attempts = value is ClassifiedAttempt classified
            ? new RequestAttempts(classified.Endpoint, classified.RequestClass)
            : new RequestAttempts(value as BalancerEndpoint, RequestAttempts.NoClass);
        Set(request, attempts);
        return attempts;
    }

    /// <summary>Stores the request class of a pick, for <see cref="TryGetRequestClass"/> when the attempt completes.</summary>
    public static void SetRequestClass(HttpRequestMessage? request, int requestClass)
    {
        if (request is null)
        {
            return;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(requestClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(requestClass, MaxRequestClasses);
        switch (Get(request))
        {
            case RequestAttempts attempts:
                attempts.RequestClass = requestClass;
                break;
            case ClassifiedAttempt classified:
                if (classified.RequestClass != requestClass)
                {
                    Set(request, ClassifiedAttempt.Of(classified.Endpoint, requestClass));
                }

                break;
            case var value:
                Set(request, ClassifiedAttempt.Of(value as BalancerEndpoint, requestClass));
                break;
        }
    }

    /// <summary>Gets the request class the last pick stored, if any.</summary>
    public static bool TryGetRequestClass(HttpRequestMessage request, out int requestClass)
    {
        requestClass = Get(request) switch
        {
            ClassifiedAttempt classified => classified.RequestClass,
            RequestAttempts attempts => attempts.RequestClass,
            _ => RequestAttempts.NoClass,
        };

        if (requestClass >= 0)
        {
            return true;
        }

        requestClass = 0;
        return false;
    }

    /// <summary>A snapshot of every option of <paramref name="request"/> (the caller's and this context), for <see cref="CopyOptions"/>.</summary>
    public static KeyValuePair<string, object?>[] SnapshotOptions(HttpRequestMessage request) => [.. request.Options];

    /// <summary>
    /// Gives a copy of a request the options of the original (a snapshot taken with <see cref="SnapshotOptions"/> after
    /// <see cref="Share"/>): the caller's settings, and the attempts shared by every copy.
    /// </summary>
    public static void CopyOptions(KeyValuePair<string, object?>[] options, HttpRequestMessage copy)
    {
        var target = (IDictionary<string, object?>)copy.Options;
        foreach (var option in options)
        {
            target[option.Key] = option.Value;
        }
    }

    private static object? Get(HttpRequestMessage request) =>
        request.Options.TryGetValue(s_key, out var value) ? value : null;

    private static void Set(HttpRequestMessage request, object value) => request.Options.Set(s_key, value);
}

/// <summary>
/// A request class with the one endpoint tried so far, or none. Immutable and made once for each class (and endpoint):
/// a classified first attempt allocates nothing after the first request of its class on that endpoint.
/// </summary>
internal sealed class ClassifiedAttempt
{
    private static readonly Cache s_unattempted = new(null);
    private static readonly ConditionalWeakTable<BalancerEndpoint, Cache> s_byEndpoint = [];
    private static readonly ConditionalWeakTable<BalancerEndpoint, Cache>.CreateValueCallback s_createCache = endpoint => new Cache(endpoint);

    private ClassifiedAttempt(BalancerEndpoint? endpoint, int requestClass)
    {
        Endpoint = endpoint;
        RequestClass = requestClass;
    }

    /// <summary>Gets the endpoint tried, or <see langword="null"/> before the first attempt.</summary>
    public BalancerEndpoint? Endpoint { get; }

    public int RequestClass { get; }

    public static ClassifiedAttempt Of(BalancerEndpoint? endpoint, int requestClass) =>
        (endpoint is null ? s_unattempted : s_byEndpoint.GetValue(endpoint, s_createCache)).Get(requestClass);

    /// <summary>The instances of one endpoint (or of none), by class; grown on demand, read without a lock.</summary>
    private sealed class Cache(BalancerEndpoint? endpoint)
    {
        private readonly object _gate = new();
        private ClassifiedAttempt?[] _items = [];

        public ClassifiedAttempt Get(int requestClass)
        {
            var items = Volatile.Read(ref _items);
            return requestClass < items.Length && items[requestClass] is { } item ? item : Add(requestClass);
        }

        private ClassifiedAttempt Add(int requestClass)
        {
            lock (_gate)
            {
                var items = _items;
                if (requestClass < items.Length && items[requestClass] is { } item)
                {
                    return item;
                }

                if (requestClass >= items.Length)
                {
                    var grown = new ClassifiedAttempt?[Math.Min(AttemptContext.MaxRequestClasses, Math.Max(requestClass + 1, Math.Max(16, items.Length * 2)))];
                    items.CopyTo(grown, 0);
                    items = grown;
                    Volatile.Write(ref _items, grown);
                }

                item = new ClassifiedAttempt(endpoint, requestClass);
                Volatile.Write(ref items[requestClass], item);
                return item;
            }
        }
    }
}

/// <summary>
/// The attempts of one logical request, shared by its retries and its concurrent hedged copies: the endpoints taken so
/// far (append-only, lock-free), the request class of the last pick and whether the retry budget counted the request.
/// </summary>
internal sealed class RequestAttempts(BalancerEndpoint? first, int requestClass)
{
    /// <summary>The value of <see cref="RequestClass"/> before a pick stored one.</summary>
    public const int NoClass = -1;

    private BalancerEndpoint[] _tried = first is null ? [] : [first];
    private int _requestClass = requestClass;
    private int _counted;

    /// <summary>Gets the endpoints taken so far, in order (a snapshot; later attempts append to a new array).</summary>
    public BalancerEndpoint[] Tried => Volatile.Read(ref _tried);

    /// <summary>Gets or sets the request class of the last pick, or <see cref="NoClass"/>.</summary>
    public int RequestClass
    {
        get => Volatile.Read(ref _requestClass);
        set => Volatile.Write(ref _requestClass, value);
    }

    /// <summary>Returns <see langword="true"/> the first time only: the request is counted once by the budget, whatever the handlers.</summary>
    public bool TryMarkCounted() => Interlocked.Exchange(ref _counted, 1) == 0;

    public bool TryAdd(BalancerEndpoint[] seen, BalancerEndpoint endpoint)
    {
        while (true)
        {
            var current = Tried;
            for (var i = Math.Min(seen.Length, current.Length); i < current.Length; i++)
            {
                if (current[i].IsSameEndpoint(endpoint))
                {
                    return false; // taken by a concurrent copy after this one looked
                }
            }

            if (Interlocked.CompareExchange(ref _tried, [.. current, endpoint], current) == current)
            {
                return true;
            }
        }
    }
}
