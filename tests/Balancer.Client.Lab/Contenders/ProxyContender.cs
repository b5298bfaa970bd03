using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Balancer.Client.Lab;

/// <summary>
/// A load-balancing proxy as an extra hop on 127.0.0.1: HAProxy with <c>balance leastconn</c> or nginx with
/// <c>random two least_conn</c>, started with a generated configuration in a temporary folder on a free loopback port,
/// one proxy per client instance (a sidecar), and stopped by its process id after the run. No active health checks
/// (their probes would add requests that the backends count); HAProxy retries twice with redispatch, nginx tries the
/// next upstream on errors and timeouts (its default) and marks an upstream failed for 10 s after one failure (its default).
/// </summary>
internal sealed class ProxyContender : ProxyHopContender
{
    private static readonly string[] s_searchFolders = [.. (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries), "/usr/sbin", "/usr/local/sbin", "/sbin"];
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(10);

    private readonly bool _haproxy;
    private readonly string? _binary;

    private ProxyContender(bool haproxy)
    {
        _haproxy = haproxy;
        _binary = FindBinary(haproxy ? "haproxy" : "nginx");
    }

    public const string HaproxyName = "HAProxy";
    public const string NginxName = "nginx";

    public static ProxyContender Haproxy { get; } = new(haproxy: true);

    public static ProxyContender Nginx { get; } = new(haproxy: false);

    public override string Name => _haproxy ? HaproxyName : NginxName;

    public override string Description => _haproxy
        ? "HAProxy `balance leastconn` as a local proxy hop"
        : "nginx `random two least_conn` as a local proxy hop (upstream keepalive)";

    public override string? UnavailableReason => _binary is null
        ? $"{(_haproxy ? "haproxy" : "nginx")} is not installed on this machine (bash eng/install-proxies.sh installs it)"
        : null;

    protected override async Task<IProxyHop> StartProxyAsync(ContenderContext context) =>
        await ProxyProcess.StartAsync(_binary!, _haproxy, context.Backends.Backends.Select(b => (b.Name, b.Port)).ToArray()).ConfigureAwait(false);

    private static string? FindBinary(string name) =>
        s_searchFolders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    /// <summary>One running proxy process and its temporary folder.</summary>
    private sealed class ProxyProcess : IProxyHop
    {
        private readonly Process _process;
        private readonly DirectoryInfo _folder;
        private readonly StringBuilder _output;

        private ProxyProcess(Process process, DirectoryInfo folder, int port, StringBuilder output)
        {
            _process = process;
            _folder = folder;
            Port = port;
            _output = output;
        }

        public int Port { get; }

        public static async Task<ProxyProcess> StartAsync(string binary, bool haproxy, (string Name, int Port)[] backends)
        {
            var folder = Directory.CreateTempSubdirectory(haproxy ? "balancer-lab-haproxy-" : "balancer-lab-nginx-");
            var port = FreeLoopbackPort();
            var config = Path.Combine(folder.FullName, haproxy ? "haproxy.cfg" : "nginx.conf");
            await File.WriteAllTextAsync(config, haproxy ? HaproxyConfig(port, backends) : NginxConfig(folder.FullName, port, backends)).ConfigureAwait(false);
            var start = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = folder.FullName,
            };
            if (haproxy)
            {
                // -db: stay in the foreground, so that the process id is the proxy's.
                start.ArgumentList.Add("-db");
                start.ArgumentList.Add("-f");
                start.ArgumentList.Add(config);
            }
            else
            {
                start.ArgumentList.Add("-p");
                start.ArgumentList.Add(folder.FullName + "/");
                start.ArgumentList.Add("-e");
                start.ArgumentList.Add(Path.Combine(folder.FullName, "error.log"));
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add(config);
            }

            var output = new StringBuilder();
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var proxy = new ProxyProcess(process, folder, port, output);
            try
            {
                await proxy.WaitUntilListeningAsync().ConfigureAwait(false);
                return proxy;
            }
            catch
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                Console.Error.WriteLine($"Could not stop proxy process {SafeId()}: {exception.Message}");
            }
            finally
            {
                _process.Dispose();
                try
                {
                    _folder.Delete(recursive: true);
                }
                catch (IOException)
                {
                    // A worker may still hold a temp file for a moment; the folder is under /tmp.
                }
            }
        }

        private string SafeId()
        {
            try
            {
                return _process.Id.ToString(CultureInfo.InvariantCulture);
            }
            catch (InvalidOperationException)
            {
                return "?";
            }
        }

        private async Task WaitUntilListeningAsync()
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(s_startTimeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"{Path.GetFileName(_process.StartInfo.FileName)} exited with code {_process.ExitCode} at start: {Output()}");
                }

                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(50).ConfigureAwait(false);
                }
            }

            throw new TimeoutException($"{Path.GetFileName(_process.StartInfo.FileName)} did not listen on 127.0.0.1:{Port} within {s_startTimeout.TotalSeconds:0} s: {Output()}");
        }

        private string Output()
        {
            lock (_output)
            {
                var errorLog = Path.Combine(_folder.FullName, "error.log");
                var log = File.Exists(errorLog) ? File.ReadAllText(errorLog) : string.Empty;
                return (_output + " " + log).Trim();
            }
        }

        private static void Append(StringBuilder output, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length < 4000)
                {
                    output.AppendLine(line);
                }
            }
        }

        private static int FreeLoopbackPort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static string HaproxyConfig(int port, (string Name, int Port)[] backends)
        {
            var builder = new StringBuilder();
            builder.AppendLine("global");
            builder.AppendLine("    maxconn 8192");
            builder.AppendLine("    nbthread 1");
            builder.AppendLine("defaults");
            builder.AppendLine("    mode http");
            builder.AppendLine("    timeout connect 1s");
            builder.AppendLine("    timeout client 30s");
            builder.AppendLine("    timeout server 30s");
            builder.AppendLine("    retries 2");
            builder.AppendLine("    option redispatch 1");
            builder.AppendLine("frontend lab");
            builder.AppendLine(CultureInfo.InvariantCulture, $"    bind 127.0.0.1:{port}");
            builder.AppendLine("    default_backend catalog");
            builder.AppendLine("backend catalog");
            builder.AppendLine("    balance leastconn");
            foreach (var (name, backendPort) in backends)
            {
                builder.AppendLine(CultureInfo.InvariantCulture, $"    server {name} 127.0.0.1:{backendPort}");
            }

            return builder.ToString();
        }

        private static string NginxConfig(string folder, int port, (string Name, int Port)[] backends)
        {
            var builder = new StringBuilder();
            builder.AppendLine("worker_processes 1;");
            builder.AppendLine("daemon off;");
            builder.AppendLine(CultureInfo.InvariantCulture, $"pid {folder}/nginx.pid;");
            builder.AppendLine(CultureInfo.InvariantCulture, $"error_log {folder}/error.log warn;");
            builder.AppendLine("events { worker_connections 8192; }");
            builder.AppendLine("http {");
            builder.AppendLine("    access_log off;");
            foreach (var temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
            {
                builder.AppendLine(CultureInfo.InvariantCulture, $"    {temp}_temp_path {folder}/{temp};");
            }

            builder.AppendLine("    upstream catalog {");
            builder.AppendLine("        random two least_conn;");
            foreach (var (_, backendPort) in backends)
            {
                builder.AppendLine(CultureInfo.InvariantCulture, $"        server 127.0.0.1:{backendPort};");
            }

            builder.AppendLine("        keepalive 64;");
            builder.AppendLine("    }");
            builder.AppendLine("    server {");
            builder.AppendLine(CultureInfo.InvariantCulture, $"        listen 127.0.0.1:{port};");
            builder.AppendLine("        location / {");
            builder.AppendLine("            proxy_pass http://catalog;");
            builder.AppendLine("            proxy_http_version 1.1;");
            builder.AppendLine("            proxy_set_header Connection \"\";");
            builder.AppendLine("            proxy_connect_timeout 1s;");
            builder.AppendLine("            proxy_read_timeout 30s;");
            builder.AppendLine("        }");
            builder.AppendLine("    }");
            builder.AppendLine("}");
            return builder.ToString();
        }
    }
}
