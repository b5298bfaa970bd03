using System.Diagnostics;
using System.Text;

namespace Balancer.Client.Samples.Tests;

/// <summary>Runs a built sample (samples/{name}/bin/{configuration}/net10.0/{name}.dll) as a process and captures its output.</summary>
internal static class SampleProcess
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(string name, string arguments, TimeSpan timeout)
    {
        var dll = Locate(name);
        var workingDirectory = Directory.CreateTempSubdirectory("balancer-sample-").FullName;
        if (File.Exists(Path.Combine(Path.GetDirectoryName(dll)!, "appsettings.json")))
        {
            File.Copy(Path.Combine(Path.GetDirectoryName(dll)!, "appsettings.json"), Path.Combine(workingDirectory, "appsettings.json"));
        }

        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Sample {name} {arguments} did not finish within {timeout}. Output so far:\n{output}");
        }
        finally
        {
            try
            {
                Directory.Delete(workingDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }

        process.WaitForExit(); // flushes the asynchronous output readers
        lock (output)
        {
            return new Result(process.ExitCode, output.ToString());
        }
    }

    private static string Locate(string name)
    {
        // This assembly runs from tests/Balancer.Client.Samples.Tests/bin/{configuration}/{tfm}/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var root = here.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "samples", name, "bin", configuration, tfm, name + ".dll");
        File.Exists(dll).Should().BeTrue($"the solution build produces {dll}");
        return dll;
    }
}
