using Balancer.Client.Endpoints;

namespace Balancer.Client.Http;

/// <summary>Keys the balancing handler keeps in <see cref="HttpRequestMessage.Options"/>.</summary>
internal static class BalancerRequestOptions
{
    /// <summary>
    /// The endpoints earlier attempts of this request went to: one <see cref="BalancerEndpoint"/> (a first attempt,
    /// without allocation), or a <see cref="RequestAttempts"/> shared by every attempt and copy of the logical request.
    /// </summary>
    public static readonly HttpRequestOptionsKey<object> TriedEndpoints = new("Balancer.Client.TriedEndpoints");

    public static BalancerEndpoint[] GetTried(HttpRequestMessage request) =>
        request.Options.TryGetValue(TriedEndpoints, out var value) ? value switch
        {
            BalancerEndpoint one => [one],
            RequestAttempts attempts => attempts.Tried,
            _ => [],
        }
        : [];

    public static bool HasTried(HttpRequestMessage request) =>
        request.Options.TryGetValue(TriedEndpoints, out var value) && value is not null;

    /// <summary>Records an attempt on <paramref name="endpoint"/>, whatever other attempts took meanwhile.</summary>
    public static void AddTried(HttpRequestMessage request, BalancerEndpoint endpoint)
    {
        if (!request.Options.TryGetValue(TriedEndpoints, out var value) || value is null)
        {
            request.Options.Set(TriedEndpoints, endpoint);
            return;
        }

        Share(request).Add(endpoint);
    }

    /// <summary>
    /// Records an attempt on <paramref name="endpoint"/>, chosen after seeing <paramref name="seen"/>, unless a
    /// concurrent copy of the same request took that endpoint since: then it returns <see langword="false"/>, and the
    /// caller picks again among the endpoints <see cref="GetTried"/> now returns.
    /// </summary>
    public static bool TryAddTried(HttpRequestMessage request, BalancerEndpoint[] seen, BalancerEndpoint endpoint)
    {
        if (!request.Options.TryGetValue(TriedEndpoints, out var value) || value is null)
        {
            request.Options.Set(TriedEndpoints, endpoint);
            return true;
        }

        return value is RequestAttempts attempts ? attempts.TryAdd(seen, endpoint) : Share(request).TryAdd(seen, endpoint);
    }

    /// <summary>
    /// The attempts of this logical request, created on first use. Copies of the request that carry the same options
    /// value (hedged copies) see each other's endpoints.
    /// </summary>
    public static RequestAttempts Share(HttpRequestMessage request)
    {
        request.Options.TryGetValue(TriedEndpoints, out var value);
        if (value is RequestAttempts attempts)
        {
            return attempts;
        }

        attempts = new RequestAttempts(value as BalancerEndpoint);
        request.Options.Set(TriedEndpoints, attempts);
        return attempts;
    }
}

/// <summary>
/// The attempts of one logical request, shared by its retries and its concurrent hedged copies: the endpoints taken so
/// far (append-only, lock-free) and whether the retry budget counted the request.
/// </summary>
internal sealed class RequestAttempts(BalancerEndpoint? first)
{
    private BalancerEndpoint[] _tried = first is null ? [] : [first];
    private int _counted;

    /// <summary>Gets the endpoints taken so far, in order (a snapshot; later attempts append to a new array).</summary>
    public BalancerEndpoint[] Tried => Volatile.Read(ref _tried);

    /// <summary>Returns <see langword="true"/> the first time only: the request is counted once by the budget, whatever the handlers.</summary>
    public bool TryMarkCounted() => Interlocked.Exchange(ref _counted, 1) == 0;

    public void Add(BalancerEndpoint endpoint)
    {
        while (true)
        {
            var current = Tried;
            if (Interlocked.CompareExchange(ref _tried, [.. current, endpoint], current) == current)
            {
                return;
            }
        }
    }

    public bool TryAdd(BalancerEndpoint[] seen, BalancerEndpoint endpoint)
    {
        while (true)
        {
            var current = Tried;
            for (var i = Math.Min(seen.Length, current.Length); i < current.Length; i++)
            {
                if (string.Equals(current[i].Key, endpoint.Key, StringComparison.Ordinal))
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
