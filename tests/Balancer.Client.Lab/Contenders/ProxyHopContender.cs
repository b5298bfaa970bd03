using System.Globalization;

namespace Balancer.Client.Lab;

/// <summary>One running load-balancing proxy on 127.0.0.1, stopped when disposed.</summary>
internal interface IProxyHop : IAsyncDisposable
{
    /// <summary>Gets the loopback port the proxy listens on.</summary>
    int Port { get; }
}

/// <summary>
/// A load-balancing proxy as an extra hop on 127.0.0.1, one proxy per client instance (a sidecar): each client instance
/// is a plain <see cref="HttpClient"/> to its own proxy, and the proxies are stopped after the run.
/// </summary>
internal abstract class ProxyHopContender : LabContender
{
    /// <summary>Starts one proxy in front of the run's backends and returns once it listens.</summary>
    protected abstract Task<IProxyHop> StartProxyAsync(ContenderContext context);

    public sealed override async Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var proxies = new List<IProxyHop>();
        try
        {
            var clients = new HttpClient[context.Plan.Clients];
            for (var i = 0; i < clients.Length; i++)
            {
                var proxy = await StartProxyAsync(context).ConfigureAwait(false);
                proxies.Add(proxy);
                clients[i] = new HttpClient(new SocketsHttpHandler())
                {
                    BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{proxy.Port}/")),
                    Timeout = context.Plan.Timeout,
                };
            }

            return new ContenderClients(clients, () => StopAllAsync(proxies));
        }
        catch
        {
            await StopAllAsync(proxies).ConfigureAwait(false);
            throw;
        }
    }

    private static async ValueTask StopAllAsync(List<IProxyHop> proxies)
    {
        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
    }
}
