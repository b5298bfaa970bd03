namespace Balancer.Client.IntegrationTests.Infrastructure;

/// <summary>Backends, each behind its own <see cref="DelayProxy"/>; the balanced client talks to the proxies.</summary>
internal sealed class ProxiedBackends : IAsyncDisposable
{
    private ProxiedBackends(BackendCluster cluster, DelayProxy[] proxies)
    {
        Cluster = cluster;
        Proxies = proxies;
    }

    public BackendCluster Cluster { get; }

    public DelayProxy[] Proxies { get; }

    /// <summary>Starts <paramref name="oneWayDelays"/>.Length backends with the given service time, each behind a proxy adding its delay each way.</summary>
    public static async Task<ProxiedBackends> StartAsync(TimeSpan serviceTime, params TimeSpan[] oneWayDelays)
    {
        var cluster = await BackendCluster.StartAsync(oneWayDelays.Length, (_, o) =>
        {
            o.Behavior.Distribution = ServiceTimeDistribution.Constant;
            o.Behavior.MeanServiceTime = serviceTime;
        });
        return new ProxiedBackends(cluster, [.. cluster.Select((b, i) => DelayProxy.Start(b, oneWayDelays[i]))]);
    }

    /// <summary>The share of requests received by the backends at <paramref name="indexes"/>.</summary>
    public double ShareOf(params int[] indexes)
    {
        var total = Cluster.TotalReceived;
        return total == 0 ? 0 : (double)indexes.Sum(i => Cluster[i].RequestsReceived) / total;
    }

    public string Describe() => string.Join(", ", Cluster.Select((b, i) => $"{b.Name} via +{Proxies[i].UpstreamDelay.TotalMilliseconds:0.#} ms: {b.RequestsReceived}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in Proxies)
        {
            await proxy.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }
}
