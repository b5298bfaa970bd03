using System.Globalization;
using Balancer.Client.Testing;
using Microsoft.AspNetCore.Builder;

namespace Balancer.Demo;

/// <summary>What kind of backend a demo backend is, for colours and the legend.</summary>
internal enum BackendKind
{
    Normal,
    Slow,
    Failing,
}

/// <summary>One backend of the demo with a short description of how it behaves.</summary>
internal sealed record DemoBackend(ScriptedBackend Backend, BackendKind Kind, string Description)
{
    public string Name => Backend.Name;
}

/// <summary>
/// The demo's local service: normal backends with exponential service times of 5 to 10 ms, one that is five
/// times slower (50 ms) and one that answers a fifth of its requests at once with 503. Each serves at most
/// <see cref="Capacity"/> requests at a time and queues the rest, so sending it more load makes it slower.
/// </summary>
internal static class DemoBackends
{
    public const int Capacity = 8;
    public const double SlowdownFactor = 5;
    public const double SlowBaseMs = 10;
    public const double FailureRate = 0.2;

    private static readonly double[] s_normalMeansMs = [5, 7.5, 10, 6, 8.5];

    public static async Task<(BackendCluster Cluster, IReadOnlyList<DemoBackend> Backends)> StartAsync(int count, int? seed, CancellationToken cancellationToken)
    {
        var kinds = new BackendKind[count];
        var descriptions = new string[count];
        var cluster = await BackendCluster.StartAsync(
            count,
            (i, options) =>
            {
                var behavior = options.Behavior;
                behavior.Distribution = ServiceTimeDistribution.Exponential;
                behavior.Capacity = Capacity;
                options.Seed = seed is { } s ? unchecked(s + (i * 7919)) : null;
                options.ConfigurePipeline = static app => app.UseBalancerLoadReports(); // requests in flight and latency on every response, and the probe path, for Prequal
                if (i == count - 2)
                {
                    kinds[i] = BackendKind.Slow;
                    options.Name = "slow";
                    behavior.MeanServiceTime = TimeSpan.FromMilliseconds(SlowBaseMs);
                    behavior.SlowdownFactor = SlowdownFactor;
                    descriptions[i] = Invariant($"exponential, mean {SlowBaseMs:0} ms x {SlowdownFactor:0} = {SlowBaseMs * SlowdownFactor:0} ms, capacity {Capacity}");
                }
                else if (i == count - 1)
                {
                    kinds[i] = BackendKind.Failing;
                    options.Name = "failing";
                    behavior.MeanServiceTime = TimeSpan.FromMilliseconds(7.5);
                    behavior.FailureRate = FailureRate;
                    descriptions[i] = Invariant($"exponential, mean 7.5 ms, {FailureRate:P0} fast 503s, capacity {Capacity}");
                }
                else
                {
                    var meanMs = s_normalMeansMs[i % s_normalMeansMs.Length];
                    kinds[i] = BackendKind.Normal;
                    options.Name = Invariant($"normal-{i + 1}");
                    behavior.MeanServiceTime = TimeSpan.FromMilliseconds(meanMs);
                    descriptions[i] = Invariant($"exponential, mean {meanMs:0.#} ms, capacity {Capacity}");
                }
            },
            cancellationToken).ConfigureAwait(false);

        var backends = cluster.Select((b, i) => new DemoBackend(b, kinds[i], descriptions[i])).ToArray();
        return (cluster, backends);
    }

    /// <summary>Sends one request straight to each backend and checks that the right one answered.</summary>
    public static async Task CheckReachableAsync(IReadOnlyList<DemoBackend> backends, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var backend in backends)
        {
            // The failing backend may answer 503 by design: any answer that names the backend proves it is up.
            using var response = await client.GetAsync(new Uri(backend.Backend.Address, "health"), cancellationToken).ConfigureAwait(false);
            var name = response.Headers.TryGetValues(BackendHeaders.Backend, out var values) ? values.FirstOrDefault() : null;
            if (!string.Equals(name, backend.Name, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(Invariant($"Backend {backend.Name} at {backend.Backend.Address} answered {(int)response.StatusCode} as '{name ?? "(no name)"}'."));
            }
        }

        foreach (var backend in backends)
        {
            backend.Backend.ResetCounters();
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
