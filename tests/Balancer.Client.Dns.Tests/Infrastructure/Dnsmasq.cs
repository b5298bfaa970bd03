using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace Balancer.Client.Dns.Tests.Infrastructure;

/// <summary>
/// A real DNS server for one test: dnsmasq in the foreground on a free 127.0.0.1 port, with its configuration, pid file
/// and log in its own temporary folder. Changing the records restarts it on the same port with a new configuration.
/// When dnsmasq is not installed or cannot start, the test is skipped with the reason (eng/install-dnsmasq.sh installs it).
/// </summary>
internal sealed class Dnsmasq : IAsyncDisposable
{
    private static readonly TimeSpan s_startLimit = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<int, Process> s_running = new();
    private static readonly Lazy<string?> s_executable = new(FindExecutable);

    private readonly DirectoryInfo _folder;
    private readonly int _ttlSeconds;
    private Process? _process;

    static Dnsmasq() =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // A test run that ends abruptly leaves no server behind.
            foreach (var process in s_running.Values)
            {
                TryKill(process);
            }
        };

    private Dnsmasq(DirectoryInfo folder, int port, int ttlSeconds)
    {
        _folder = folder;
        Port = port;
        _ttlSeconds = ttlSeconds;
    }

    public int Port { get; }

    /// <summary>Where to send queries: 127.0.0.1 and the server's port.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>dnsmasq's log (queries and answers), for failure messages.</summary>
    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log)";

    private string ConfigPath => Path.Combine(_folder.FullName, "dnsmasq.conf");

    private string PidPath => Path.Combine(_folder.FullName, "dnsmasq.pid");

    private string LogPath => Path.Combine(_folder.FullName, "dnsmasq.log");

    /// <summary>Starts dnsmasq with <paramref name="zone"/>, its records served with TTL <paramref name="ttlSeconds"/>; skips the test when it cannot.</summary>
    public static async Task<Dnsmasq> StartAsync(DnsZone zone, int ttlSeconds = 1)
    {
        var executable = s_executable.Value;
        Skip.If(executable is null, "dnsmasq is not installed (eng/install-dnsmasq.sh installs the Debian package dnsmasq-base); this test needs a real DNS server.");

        string? lastError = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var server = new Dnsmasq(Directory.CreateTempSubdirectory("balancer-dnsmasq-"), FreePort(), ttlSeconds);
            lastError = await server.TryStartAsync(zone);
            if (lastError is null)
            {
                return server;
            }

            await server.DisposeAsync();
            if (!lastError.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                break; // only a port taken meanwhile is worth another try
            }
        }

        Skip.If(true, $"dnsmasq could not start: {lastError}");
        throw new UnreachableException();
    }

    /// <summary>Replaces the records: stops dnsmasq and starts it again on the same port with the new configuration.</summary>
    public async Task RestartAsync(DnsZone zone)
    {
        await StopAsync();
        string? error = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            error = await TryStartAsync(zone);
            if (error is null)
            {
                return;
            }

            await Task.Delay(100 * (attempt + 1)); // the port was just released: give the system a moment, then try again
        }

        throw new InvalidOperationException($"dnsmasq could not start again on port {Port}: {error}");
    }

    /// <summary>Stops dnsmasq (a DNS outage); queries to its port are then refused.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        TryKill(process);
        await process.WaitForExitAsync();
        s_running.TryRemove(process.Id, out _);
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the system cleans its temporary folder.
        }
        catch (UnauthorizedAccessException)
        {
            // Files written by dnsmasq after it changed user.
        }
    }

    /// <summary>Starts dnsmasq and waits until it answers; returns why it could not, or null.</summary>
    private async Task<string?> TryStartAsync(DnsZone zone)
    {
        await File.WriteAllTextAsync(ConfigPath, zone.ToConfig());
        var start = new ProcessStartInfo(s_executable.Value!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--keep-in-foreground",
            $"--conf-file={ConfigPath}",
            string.Create(CultureInfo.InvariantCulture, $"--port={Port}"),
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            $"--pid-file={PidPath}",
            string.Create(CultureInfo.InvariantCulture, $"--local-ttl={_ttlSeconds}"),
            $"--log-facility={LogPath}",
            "--log-queries",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var errors = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            process.Dispose();
            return exception.Message;
        }

        s_running[process.Id] = process;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        if (await WaitUntilAnsweringAsync(process))
        {
            return null;
        }

        await StopAsync();
        lock (errors)
        {
            var message = errors.ToString().Trim();
            return message.Length > 0 ? message : $"no answer on 127.0.0.1:{Port} within {s_startLimit}; log: {Log}";
        }
    }

    /// <summary>Queries the ready name until dnsmasq answers, it exits, or the start limit passes.</summary>
    private async Task<bool> WaitUntilAnsweringAsync(Process process)
    {
        var client = new LookupClient(new LookupClientOptions(EndPoint) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromMilliseconds(200) });
        var deadline = Stopwatch.GetTimestamp() + (long)(s_startLimit.TotalSeconds * Stopwatch.Frequency);
        while (!process.HasExited && Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                var response = await client.QueryAsync(DnsZone.ReadyName, QueryType.A);
                if (!response.HasError && response.Answers.Count > 0)
                {
                    return true;
                }
            }
            catch (DnsResponseException)
            {
                // Not listening yet.
            }

            await Task.Delay(20);
        }

        return false;
    }

    private static int FreePort()
    {
        // A port free for both UDP and TCP (dnsmasq listens on both).
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // Taken for TCP: try another.
            }
        }
    }

    private static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, "dnsmasq"))
            .FirstOrDefault(File.Exists);
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
