using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Balancer.Client.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Balancer.Client.Lab;

/// <summary>
/// A built-in selector of Balancer.Client whose client instances form a fleet through a real etcd started for the run
/// (<c>AddEtcdFleet</c>: membership, deterministic aperture, warm start, shared ejection), so that the lab compares
/// a fleet that coordinates with one whose instances balance alone.
/// </summary>
internal sealed class FleetContender(string selector, int apertureSize = 8) : LabContender
{
    private readonly string? _etcd = FindEtcd();

    public override string Name => $"{selector}+Fleet";

    public override string Description => $"Balancer.Client, selector {selector}, client instances in an etcd fleet (AddEtcdFleet, aperture size {apertureSize}, defaults otherwise)";

    public override string? UnavailableReason => _etcd is null ? "etcd is not installed on this machine (bash eng/install-etcd.sh installs it)" : null;

    public override async Task<ContenderClients> CreateAsync(ContenderContext context)
    {
        var etcd = await LabEtcd.StartAsync(_etcd!).ConfigureAwait(false);
        var providers = new ServiceProvider[context.Plan.Clients];
        var clients = new HttpClient[providers.Length];
        var prefix = $"/lab/{context.Seed}/{Guid.NewGuid():N}/";
        for (var i = 0; i < providers.Length; i++)
        {
            var services = new ServiceCollection();
            services.AddLogging();
            var member = i;
            services
                .AddBalancedHttpClient(BalancedContender.ClientName, o =>
                {
                    o.Selector = selector;
                    o.AddEndpoints(context.Backends.Backends);
                })
                .ConfigureHttpClient(c => c.Timeout = context.Plan.Timeout)
                .AddEtcdFleet(o =>
                {
                    o.Endpoints = [etcd.ClientUrl];
                    o.Prefix = prefix;
                    o.MemberId = $"lab-{member:000}";
                    o.ApertureSize = apertureSize;
                });
            providers[i] = services.BuildServiceProvider();
            clients[i] = providers[i].GetRequiredService<IHttpClientFactory>().CreateClient(BalancedContender.ClientName);
        }

        return new ContenderClients(clients, async () =>
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync().ConfigureAwait(false);
            }

            await etcd.DisposeAsync().ConfigureAwait(false);
        });
    }

    private static string? FindEtcd() =>
        Environment.GetEnvironmentVariable("ETCD_BINARY") is { Length: > 0 } configured && File.Exists(configured) ? configured
        : new[] { "/usr/bin/etcd", "/usr/local/bin/etcd" }.FirstOrDefault(File.Exists);

    /// <summary>An etcd process of the run's own, on free 127.0.0.1 ports and a temporary data directory.</summary>
    private sealed class LabEtcd : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _directory;

        private LabEtcd(Process process, string directory, Uri clientUrl) => (_process, _directory, ClientUrl) = (process, directory, clientUrl);

        public Uri ClientUrl { get; }

        public static async Task<LabEtcd> StartAsync(string binary)
        {
            var (client, peer) = ($"http://127.0.0.1:{FreePort()}", $"http://127.0.0.1:{FreePort()}");
            var directory = Path.Combine(Path.GetTempPath(), "balancer-lab-etcd-" + Guid.NewGuid().ToString("N"));
            var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in (string[])["--name", "lab", "--data-dir", directory, "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"lab={peer}", "--initial-cluster-state", "new"])
            {
                start.ArgumentList.Add(argument);
            }

            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("ready to serve client requests", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult();
                }
            };
            process.OutputDataReceived += (_, _) => { };
            process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("etcd exited before it was ready"));
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            return new LabEtcd(process, directory, new Uri(client));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
