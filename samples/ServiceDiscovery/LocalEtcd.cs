using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServiceDiscovery;

/// <summary>
/// A private etcd for the sample: its own process on free 127.0.0.1 ports with a temporary data directory, killed and
/// deleted on dispose. (In production etcd is a cluster of its own, run next to your services.)
/// </summary>
internal sealed class LocalEtcd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;

    private LocalEtcd(Process process, string dataDirectory, Uri clientUrl)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        ClientUrl = clientUrl;
    }

    public Uri ClientUrl { get; }

    public string DataDirectory => _dataDirectory;

    /// <summary>The etcd binary: $ETCD_BINARY, /usr/bin/etcd or the first etcd on PATH; null when there is none.</summary>
    public static string? FindBinary()
    {
        if (Environment.GetEnvironmentVariable("ETCD_BINARY") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        return new[] { "/usr/bin/etcd" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(directory => Path.Combine(directory, "etcd")))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Starts etcd (three tries, on other ports each time, in case a port was taken meanwhile).</summary>
    /// <exception cref="InvalidOperationException">etcd did not start; the message says why.</exception>
    public static async Task<LocalEtcd> StartAsync(string binary)
    {
        var error = string.Empty;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("balancer-sample-etcd-").FullName;
            var client = $"http://127.0.0.1:{FreePort()}";
            var peer = $"http://127.0.0.1:{FreePort()}";
            var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                "--name", "sample", "--data-dir", directory,
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", $"sample={peer}", "--initial-cluster-state", "new",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var lastLines = new Queue<string>();
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            DataReceivedEventHandler onLine = (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (lastLines)
                {
                    lastLines.Enqueue(e.Data);
                    if (lastLines.Count > 5)
                    {
                        lastLines.Dequeue();
                    }
                }

                if (e.Data.Contains("ready to serve client requests", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            };
            process.OutputDataReceived += onLine;
            process.ErrorDataReceived += onLine;
            process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("etcd exited"));
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var etcd = new LocalEtcd(process, directory, new Uri(client));
            try
            {
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
                return etcd;
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                await etcd.DisposeAsync();
                lock (lastLines)
                {
                    error = $"{exception.Message}; last output: {string.Join(" | ", lastLines)}";
                }
            }
        }

        throw new InvalidOperationException($"etcd ({binary}) did not start: {error}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is in the temp folder.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
