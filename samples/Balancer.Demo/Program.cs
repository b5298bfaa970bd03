using System.Diagnostics;
using System.Globalization;
using System.Text;
using Balancer.Client;
using Balancer.Client.Selection;
using Balancer.Client.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Balancer.Demo;

internal static class Program
{
    private const string ClientName = "catalog";
    private const int ExitOk = 0;
    private const int ExitFailed = 1;
    private const int ExitUsage = 2;
    private const int ExitInterrupted = 130;

    private static readonly IAnsiConsole s_errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static async Task<int> Main(string[] args)
    {
        var options = DemoOptions.Parse(args, out var error);
        if (options is null)
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Run with --help to see the options.").ConfigureAwait(false);
            return ExitUsage;
        }

        if (options.ShowHelp)
        {
            Console.Out.WriteLine(DemoOptions.HelpText);
            return ExitOk;
        }

        var live = !options.NoLive && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 160)
        {
            // Logs have no width: let the summary table keep one row per selector.
            AnsiConsole.Profile.Width = 160;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        try
        {
            return await RunAsync(options, live, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]Stopped.[/]");
            return ExitInterrupted;
        }
    }

    private static async Task<int> RunAsync(DemoOptions options, bool live, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await RunCoreAsync(options, live, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AnsiConsole.MarkupLine(Invariant($"[grey]Finished in {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s.[/]"));
        }
    }

    private static async Task<int> RunCoreAsync(DemoOptions options, bool live, CancellationToken cancellationToken)
    {
        var seed = options.Seed ?? Random.Shared.Next(1, 100_000);
        var estimate = (options.Duration.TotalSeconds * options.Selectors.Count) + 3;
        AnsiConsole.Write(new Rule("[bold]Balancer.Demo[/]").LeftJustified());
        AnsiConsole.MarkupLine(Invariant(
            $"Drives [bold]{options.Rate:0} req/s[/] (open loop, Poisson arrivals) through each selector for [bold]{options.Duration.TotalSeconds:0.#} s[/]: {string.Join(", ", options.Selectors)}. About {estimate:0} s in all."));
        AnsiConsole.MarkupLine(Invariant($"[grey]Seed {seed}{(options.Seed is null ? " (repeat with --seed " + seed.ToString(CultureInfo.InvariantCulture) + ")" : string.Empty)}; per-request timeout {options.Timeout.TotalSeconds:0.##} s.[/]"));

        BackendCluster cluster;
        IReadOnlyList<DemoBackend> backends;
        try
        {
            (cluster, backends) = await DemoBackends.StartAsync(options.Backends, seed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail($"Could not start the local backends on 127.0.0.1: {ex.Message}");
            return ExitFailed;
        }

        await using (cluster.ConfigureAwait(false))
        {
            try
            {
                await DemoBackends.CheckReachableAsync(backends, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fail($"The local backends started but do not answer: {ex.Message}");
                return ExitFailed;
            }

            WriteBackends(backends);
            var dashboard = await StartDashboardAsync(options, cancellationToken).ConfigureAwait(false);
            try
            {
                return await CompareSelectorsAsync(options, seed, backends, live, dashboard?.Inspector, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (dashboard is not null)
                {
                    await dashboard.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Serves the live dashboard on 127.0.0.1 unless turned off; a port that cannot be bound only costs the dashboard.</summary>
    private static async Task<DemoDashboard?> StartDashboardAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        if (options.DashboardPort is not { } port)
        {
            return null;
        }

        try
        {
            var dashboard = await DemoDashboard.StartAsync(port, cancellationToken).ConfigureAwait(false);
            AnsiConsole.MarkupLine(Invariant($"Live dashboard: [link]{Markup.Escape(dashboard.Address.ToString())}[/] [grey](while the demo runs; each selector in turn)[/]"));
            return dashboard;
        }
        catch (IOException ex)
        {
            AnsiConsole.MarkupLine(Invariant($"[yellow]No dashboard:[/] could not listen on 127.0.0.1:{port} ({Markup.Escape(ex.Message)}); the demo runs without it."));
            return null;
        }
    }

    private static async Task<int> CompareSelectorsAsync(DemoOptions options, int seed, IReadOnlyList<DemoBackend> backends, bool live, DemoDashboard.CurrentInspector? dashboard, CancellationToken cancellationToken)
    {
        // JIT, connection set-up and the backends' first requests would otherwise all land on the first selector.
        var warmUp = TimeSpan.FromSeconds(1);
        AnsiConsole.MarkupLine(Invariant($"[grey]Warming up for {warmUp.TotalSeconds:0.#} s (not measured)...[/]"));
        try
        {
            await using var warmUpServices = CreateServices(EndpointSelectorNames.RoundRobin, backends, options.Seed);
            dashboard?.Watch(warmUpServices);
            await new LoadRun(CreateClient(warmUpServices), options.Rate, warmUp, options.Timeout, seed).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            Fail($"The balanced client's options are not valid: {ex.Message}");
            return ExitFailed;
        }

        var view = new RunView(backends, live);
        var results = new List<SelectorResult>();
        for (var i = 0; i < options.Selectors.Count && !cancellationToken.IsCancellationRequested; i++)
        {
            var selector = options.Selectors[i];
            foreach (var backend in backends)
            {
                backend.Backend.ResetCounters();
            }

            LoadResult load;
            try
            {
                await using var services = CreateServices(selector, backends, options.Seed);
                dashboard?.Watch(services);
                var run = new LoadRun(CreateClient(services), options.Rate, options.Duration, options.Timeout, seed);
                load = await view.ShowAsync(run, Invariant($"{selector} ({i + 1}/{options.Selectors.Count})"), cancellationToken).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                Fail($"The balanced client's options for selector {selector} are not valid: {ex.Message}");
                return ExitFailed;
            }

            var result = new SelectorResult(selector, load, [.. backends.Select(b => b.Backend.RequestsReceived)]);
            results.Add(result);
            WriteResultLine(result, backends);
        }

        if (results.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]Stopped before any selector finished.[/]");
            return ExitInterrupted;
        }

        AnsiConsole.WriteLine();
        var report = new SummaryReport(options, seed, backends, results);
        report.WriteToConsole();
        var path = await WriteArtifactsAsync(report, backends, results).ConfigureAwait(false);
        if (path is not null)
        {
            AnsiConsole.MarkupLine(Invariant($"Summary written to [link]{Markup.Escape(path)}[/] (chart: demo-summary.svg next to it)."));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ExitInterrupted;
        }

        var idle = results.Where(r => r.Load.Succeeded == 0).Select(r => r.Selector).ToList();
        if (idle.Count > 0)
        {
            Fail($"No request succeeded with {string.Join(", ", idle)}: the backends or the balanced client are not working.");
            return ExitFailed;
        }

        return path is null ? ExitFailed : ExitOk;
    }

    /// <summary>A fresh container per selector, so that each starts with no feedback and its own connections.</summary>
    private static ServiceProvider CreateServices(string selector, IReadOnlyList<DemoBackend> backends, int? seed)
    {
        var services = new ServiceCollection();
        services.AddBalancedHttpClient(ClientName, o =>
        {
            o.Selector = selector;
            o.RandomSeed = seed;
            foreach (var backend in backends)
            {
                o.AddEndpoint(backend.Backend.Address.ToString());
            }
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static HttpClient CreateClient(ServiceProvider services)
    {
        // Surfaces configuration mistakes as one clear error before any load is sent.
        _ = services.GetRequiredService<IOptionsMonitor<BalancerOptions>>().Get(ClientName);
        return services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName);
    }

    private static void WriteBackends(IReadOnlyList<DemoBackend> backends)
    {
        var table = new Table().Border(TableBorder.Simple).BorderColor(Color.Grey);
        table.AddColumn("Backend").AddColumn("Address").AddColumn("Behavior");
        foreach (var backend in backends)
        {
            table.AddRow(
                Invariant($"[{Format.Color(backend.Kind)}]{Markup.Escape(backend.Name)}[/]"),
                Markup.Escape(backend.Backend.Address.ToString()),
                Markup.Escape(backend.Description));
        }

        AnsiConsole.Write(table);
    }

    private static void WriteResultLine(SelectorResult result, IReadOnlyList<DemoBackend> backends)
    {
        var load = result.Load;
        AnsiConsole.MarkupLine(Invariant(
            $"[green]✓[/] [bold]{result.Selector}[/]: p50 {Format.Ms(load.P50)}, p99 {Format.Ms(load.P99)}, {Format.Count(load.Errors)} errors ({Format.Percent(load.ErrorRate)}){(load.Cancelled ? " [yellow](stopped)[/]" : string.Empty)}"));
        var shares = string.Join(", ", backends.Select((b, i) => Invariant($"[{Format.Color(b.Kind)}]{Markup.Escape(b.Name)}[/] {Format.Percent(result.Share(i))}")));
        AnsiConsole.MarkupLine(Invariant($"  [grey]shares:[/] {shares}"));
    }

    private static async Task<string?> WriteArtifactsAsync(SummaryReport report, IReadOnlyList<DemoBackend> backends, IReadOnlyList<SelectorResult> results)
    {
        try
        {
            var directory = Path.Combine(FindRepositoryRoot(), "artifacts");
            Directory.CreateDirectory(directory);
            var encoding = new UTF8Encoding(false);
            var chart = Path.Combine(directory, "demo-summary.svg");
            await File.WriteAllTextAsync(chart, SummaryChart.Render(backends, results, report.Caption), encoding).ConfigureAwait(false);
            var path = Path.Combine(directory, "demo-summary.md");
            await File.WriteAllTextAsync(path, report.ToMarkdown(Path.GetFileName(chart)), encoding).ConfigureAwait(false);
            return Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail($"Could not write the summary to artifacts/: {ex.Message}");
            return null;
        }
    }

    /// <summary>The folder holding Balancer.Client.sln above the current folder or the program, else the current folder.</summary>
    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Balancer.Client.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static void Fail(string message) =>
        s_errors.MarkupLine(Invariant($"[red]Error:[/] {Markup.Escape(message)}"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
