// Endpoints from a real registry: each instance registers itself in etcd under a lease; the balanced client
// "catalog" watches the prefix. Three phases: 3 instances; a 4th registers; one crashes (its lease is not revoked).
using System.Diagnostics;
using Balancer.Client.Etcd;
using Balancer.Client.Inspection;
using Balancer.Client.Testing;
using Microsoft.Extensions.DependencyInjection;
using ServiceDiscovery;

const string Prefix = "/services/catalog/";
var ttl = TimeSpan.FromSeconds(3);
var isShort = args.Contains("--short");
var phaseLength = TimeSpan.FromSeconds(isShort ? 2 : 5);
var etcdArgument = args.SkipWhile(a => a != "--etcd").Skip(1).FirstOrDefault();

// 1. etcd: the one given with --etcd, or a private one on free loopback ports.
LocalEtcd? localEtcd = null;
Uri etcdUrl;
if (etcdArgument is not null)
{
    etcdUrl = new Uri(etcdArgument);
}
else
{
    if (LocalEtcd.FindBinary() is not { } binary)
    {
        Console.Error.WriteLine("""
            etcd is not installed, and this sample needs it.
              Debian/Ubuntu: bash eng/install-etcd.sh   (or: sudo apt-get install etcd-server)
              elsewhere:     https://etcd.io/docs/latest/install/ (put etcd on PATH, or set ETCD_BINARY)
              or use a running etcd: dotnet run --project samples/ServiceDiscovery -- --etcd http://127.0.0.1:2379
            """);
        return 2;
    }

    try
    {
        localEtcd = await LocalEtcd.StartAsync(binary);
    }
    catch (InvalidOperationException exception)
    {
        Console.Error.WriteLine($"{exception.Message}\nInstall etcd with: bash eng/install-etcd.sh, or pass --etcd http://127.0.0.1:2379.");
        return 2;
    }

    etcdUrl = localEtcd.ClientUrl;
    Console.WriteLine($"etcd: started {binary} on {etcdUrl} (data in {localEtcd.DataDirectory})");
}

// 2. Four service instances (local Kestrel backends); three register now, the fourth in phase 2.
await using var backends = await BackendCluster.StartAsync(4, (i, o) =>
{
    o.Name = $"catalog-{i + 1}";
    o.Behavior.MeanServiceTime = TimeSpan.FromMilliseconds(10);
});
var connections = backends.Select(_ => new CrashableConnection()).ToArray();
var etcdClients = connections.Select(c => new HttpClient(c, disposeHandler: false)).ToArray();
var registrations = new EtcdRegistration?[backends.Count];
var failed = 0L;
var total = 0L;
try
{
    try
    {
        for (var i = 0; i < 3; i++)
        {
            registrations[i] = await RegisterAsync(i);
        }
    }
    catch (EtcdException exception)
    {
        Console.Error.WriteLine($"etcd at {etcdUrl} cannot be used: {exception.Message}\nStart one, or leave out --etcd to let the sample start its own.");
        return 2;
    }

    // 3. The client: no endpoints in its options, all of them from etcd.
    var services = new ServiceCollection();
    services.AddBalancedHttpClient("catalog", o =>
    {
        o.Selector = "RoundRobin";                                // even shares, easy to read
        o.Health.SlowStart.Window = TimeSpan.FromMilliseconds(500); // a new instance ramps up over 0.5 s (default 30 s)
    })
    .AddEtcdEndpoints(o =>
    {
        o.Endpoints = [etcdUrl];
        o.Prefix = Prefix;
    })
    .AddBalancerRetry(); // a request that meets the crashed instance is retried on another one
    await using var provider = services.BuildServiceProvider();
    var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("catalog");
    var inspector = provider.GetRequiredService<IBalancerInspector>();
    Console.WriteLine($"Client 'catalog' takes its endpoints from {Prefix} on {etcdUrl} (read, then watched)");

    // 4. Load: 8 callers, one request after the other each, until the end.
    using var stop = new CancellationTokenSource();
    var callers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            try
            {
                using var response = await client.GetAsync($"/items/{worker}-{n}", CancellationToken.None);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failed);
            }

            Interlocked.Increment(ref total);
        }
    })).ToArray();

    // Phase 1: three instances.
    backends.ResetCounters();
    await Task.Delay(phaseLength);
    PrintShares("Phase 1: catalog-1, catalog-2 and catalog-3 registered");

    // Phase 2: a fourth instance starts and registers itself; the watch tells the client at once.
    backends.ResetCounters();
    var registered = Stopwatch.StartNew();
    registrations[3] = await RegisterAsync(3);
    await backends[3].WaitForRequestsAsync(1).WaitAsync(TimeSpan.FromSeconds(10));
    var firstRequest = registered.Elapsed;
    await Task.Delay(phaseLength);
    PrintShares($"Phase 2: {backends[3].Name} registered; its first request came {firstRequest.TotalMilliseconds:F0} ms later");

    // Phase 3: instance-2 crashes: its server stops and its lease is no longer renewed, nor revoked.
    backends.ResetCounters();
    var crashed = backends[1];
    connections[1].Crash();
    await crashed.StopAsync();
    var crashedAt = Stopwatch.StartNew();
    var refused = 0L;
    while (inspector.GetSnapshot("catalog")?.Endpoints.FirstOrDefault(e => e.Address == crashed.Address) is { } endpoint && crashedAt.Elapsed < ttl * 3)
    {
        refused = endpoint.TotalFailures; // attempts that met the dead instance (until its first refused connection took it out)
        await Task.Delay(50);
    }

    var gone = crashedAt.Elapsed;
    var left = inspector.GetSnapshot("catalog")?.Endpoints.All(e => e.Address != crashed.Address) == true;
    Console.WriteLine(left
        ? $"{crashed.Name} crashed: {refused} attempts failed on it and were retried elsewhere; its key expired with its lease and it left the client's endpoints after {gone.TotalSeconds:F1} s (lease TTL {ttl.TotalSeconds:F0} s)"
        : $"{crashed.Name} crashed but is still among the client's endpoints after {gone.TotalSeconds:F1} s");
    await Task.Delay(phaseLength);
    PrintShares($"Phase 3: {crashed.Name} crashed");

    await stop.CancelAsync();
    await Task.WhenAll(callers);
    Console.WriteLine($"{total} requests, {failed} failed.");
    return failed == 0 && left && firstRequest < TimeSpan.FromSeconds(5) ? 0 : 1;
}
finally
{
    // Shutdown of the instances that are still alive: revoking the lease removes their keys at once.
    foreach (var registration in registrations)
    {
        if (registration is not null)
        {
            await registration.DisposeAsync();
        }
    }

    foreach (var etcdClient in etcdClients)
    {
        etcdClient.Dispose();
    }

    foreach (var connection in connections)
    {
        connection.Dispose();
    }

    if (localEtcd is not null)
    {
        await localEtcd.DisposeAsync();
    }
}

// Each instance registers itself on startup: its address, under the service's prefix, with a lease of the TTL.
async Task<EtcdRegistration> RegisterAsync(int index)
{
    var backend = backends[index];
    etcdClients[index].BaseAddress = etcdUrl;
    var registration = await EtcdRegistration.RegisterAsync(etcdClients[index], Prefix, new EtcdInstance { Id = backend.Name, Address = backend.Address.ToString() }, ttl);
    Console.WriteLine($"{backend.Name} registered as {registration}");
    return registration;
}

void PrintShares(string title)
{
    var received = backends.TotalReceived;
    Console.WriteLine($"{title}: {received} requests");
    foreach (var backend in backends)
    {
        var share = received == 0 ? 0 : 100.0 * backend.RequestsReceived / received;
        Console.WriteLine($"  {backend.Name,-10} {backend.Address,-24} {share,5:F1}% {new string('#', (int)Math.Round(share / 2))}");
    }
}
