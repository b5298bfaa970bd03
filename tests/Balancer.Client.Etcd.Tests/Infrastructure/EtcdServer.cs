using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Balancer.Client.Etcd.Internal;

namespace Balancer.Client.Etcd.Tests.Infrastructure;

/// <summary>
/// A real etcd process of its own (etcd 3.4+, from eng/install-etcd.sh) with a temporary data directory and free
/// 127.0.0.1 ports; stopped by pid and started again on the same data and ports. When etcd is not installed or does not
/// start, the calling test is skipped with the reason.
/// </summary>
internal sealed class EtcdServer : IAsyncDisposable
{
    private static readonly TimeSpan s_startLimit = TimeSpan.FromSeconds(20);
    private readonly string _binary;
    private readonly string _dataDirectory;
    private readonly int _clientPort;
    private readonly int _peerPort;
    private readonly List<string> _output = [];
    private Process? _process;
    private HttpClient? _http;

    private readonly TestCertificates? _tls;
    private readonly string[] _extraArguments;

    private EtcdServer(string binary, string dataDirectory, int clientPort, int peerPort, TestCertificates? tls, string[] extraArguments)
    {
        _binary = binary;
        _dataDirectory = dataDirectory;
        _clientPort = clientPort;
        _peerPort = peerPort;
        _tls = tls;
        _extraArguments = extraArguments;
        ClientUrl = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{clientPort}");
    }

    /// <summary>How a client of this etcd connects: its URL and, with TLS, the test CA and the client certificate.</summary>
    public EtcdClientOptions ClientOptions(string? username = null, string? password = null) => new()
    {
        Endpoints = [ClientUrl],
        TrustedCaFile = _tls?.CaFile,
        ClientCertificateFile = _tls?.ClientCertificateFile,
        ClientKeyFile = _tls?.ClientKeyFile,
        Username = username,
        Password = password,
    };

    public Uri ClientUrl { get; }

    public int? Pid => _process?.Id;

    /// <summary>Calls etcd directly (raw puts, deletes, compaction) the way another tool would.</summary>
    public EtcdGateway Gateway { get; private set; } = null!;

    public static string? FindBinary()
    {
        if (Environment.GetEnvironmentVariable("ETCD_BINARY") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        if (File.Exists("/usr/bin/etcd"))
        {
            return "/usr/bin/etcd";
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "etcd"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Starts etcd, or skips the test saying why it cannot.</summary>
    /// <param name="tls">Serves clients over https with these certificates and requires a client certificate signed by their CA.</param>
    /// <param name="extraArguments">More etcd flags, such as <c>--auth-token-ttl</c>.</param>
    public static async Task<EtcdServer> StartAsync(TestCertificates? tls = null, params string[] extraArguments)
    {
        var binary = FindBinary();
        Skip.If(binary is null, "etcd is not installed: run eng/install-etcd.sh (Debian package etcd-server), or set ETCD_BINARY to its path.");
        string? lastError = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var directory = Path.Combine(Path.GetTempPath(), "balancer-etcd-" + Guid.NewGuid().ToString("N"));
            var server = new EtcdServer(binary!, directory, FreePort(), FreePort(), tls, extraArguments);
            lastError = await server.TryStartProcessAsync();
            if (lastError is null)
            {
                server._http = EtcdTransport.CreateClient(server.ClientOptions());
                server.Gateway = new EtcdGateway(server._http, [server.ClientUrl], TimeSpan.FromSeconds(10));
                return server;
            }

            await server.DisposeAsync(); // a port taken meanwhile, say: try other ports
        }

        Skip.If(true, $"etcd ({binary}) did not start: {lastError}");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Kills the process (as a crash or an outage would) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    /// <summary>Starts etcd again on the same data directory and ports.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        var error = await TryStartProcessAsync();
        if (error is not null)
        {
            throw new InvalidOperationException($"etcd did not start again: {error}");
        }
    }

    /// <summary>
    /// Turns authentication on the way an operator would (<c>etcdctl user add root</c>, <c>role add root</c>,
    /// <c>user grant-role root root</c>, <c>auth enable</c>); from then on <see cref="Gateway"/> calls as root.
    /// </summary>
    public async Task EnableAuthAsync(string rootPassword)
    {
        await CallAsync("v3/auth/role/add", """{"name":"root"}""");
        await CallAsync("v3/auth/user/add", $$"""{"name":"root","password":"{{rootPassword}}"}""");
        await CallAsync("v3/auth/user/grant", """{"user":"root","role":"root"}""");
        await CallAsync("v3/auth/enable", "{}");
        Gateway = new EtcdGateway(_http!, [ClientUrl], TimeSpan.FromSeconds(10), "root", rootPassword);
    }

    /// <summary>Turns authentication off and on again, as root: etcd forgets every token it issued.</summary>
    public async Task ReenableAuthAsync(string rootPassword)
    {
        var token = await CallAsync("v3/auth/authenticate", $$"""{"name":"root","password":"{{rootPassword}}"}""");
        var value = System.Text.Json.JsonDocument.Parse(token).RootElement.GetProperty("token").GetString();
        await CallAsync("v3/auth/disable", "{}", value);
        await CallAsync("v3/auth/enable", "{}");
    }

    public async Task PutAsync(string key, string value) =>
        await Gateway.PutAsync(EtcdKeys.Encode(key), System.Text.Encoding.UTF8.GetBytes(value), 0, CancellationToken.None);

    public async Task<bool> ExistsAsync(string key)
    {
        var keyBytes = EtcdKeys.Encode(key);
        var response = await Gateway.RangeAsync(keyBytes, [.. keyBytes, 0], CancellationToken.None);
        return response.Kvs is { Length: > 0 };
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public override string ToString() => $"etcd {ClientUrl} (pid {Pid})";

    private async Task<string> CallAsync(string path, string json, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ClientUrl, path)) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", token);
        }

        using var response = await _http!.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"etcd {path} answered {(int)response.StatusCode}: {body}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<string?> TryStartProcessAsync()
    {
        var peer = $"http://127.0.0.1:{_peerPort}";
        var start = new ProcessStartInfo(_binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--name", "test",
            "--data-dir", _dataDirectory,
            "--listen-client-urls", ClientUrl.ToString().TrimEnd('/'),
            "--advertise-client-urls", ClientUrl.ToString().TrimEnd('/'),
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"test={peer}",
            "--initial-cluster-state", "new",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (_tls is { } tls)
        {
            foreach (var argument in new[] { "--cert-file", tls.ServerCertificateFile, "--key-file", tls.ServerKeyFile, "--trusted-ca-file", tls.CaFile, "--client-cert-auth" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Add(e.Data);
                if (_output.Count > 50)
                {
                    _output.RemoveAt(0);
                }
            }

            if (e.Data.Contains("ready to serve client requests", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.ErrorDataReceived += OnLine;
        process.OutputDataReceived += OnLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("etcd exited"));
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            process.Dispose();
            return exception.Message;
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(s_startLimit);
            return null;
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            await StopAsync();
            lock (_output)
            {
                return $"{exception.Message}; last output: {string.Join(" | ", _output.TakeLast(5))}";
            }
        }
    }
}
