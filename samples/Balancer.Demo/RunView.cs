using System.Globalization;
using Spectre.Console;

namespace Balancer.Demo;

/// <summary>Shows a run while it goes: a live panel on a terminal, plain progress lines otherwise.</summary>
internal sealed class RunView(IReadOnlyList<DemoBackend> backends, bool live)
{
    private const int BarWidth = 32;
    private static readonly TimeSpan s_liveRefresh = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_plainRefresh = TimeSpan.FromSeconds(1);

    public bool IsLive => live;

    /// <summary>Runs <paramref name="run"/> and shows its progress until it ends.</summary>
    public async Task<LoadResult> ShowAsync(LoadRun run, string title, CancellationToken cancellationToken)
    {
        if (!live)
        {
            return await ShowPlainAsync(run, title, cancellationToken).ConfigureAwait(false);
        }

        LoadResult? result = null;
        await AnsiConsole.Live(Render(run, title, run.Snapshot()))
            .AutoClear(true)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                var running = run.RunAsync(cancellationToken);
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(s_liveRefresh, CancellationToken.None)).ConfigureAwait(false);
                    context.UpdateTarget(Render(run, title, run.Snapshot()));
                    context.Refresh();
                }

                result = await running.ConfigureAwait(false);
            })
            .ConfigureAwait(false);
        return result!;
    }

    private async Task<LoadResult> ShowPlainAsync(LoadRun run, string title, CancellationToken cancellationToken)
    {
        var running = run.RunAsync(cancellationToken);
        var next = s_plainRefresh;
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(s_plainRefresh, CancellationToken.None)).ConfigureAwait(false);
            var snapshot = run.Snapshot();
            if (running.IsCompleted || snapshot.Elapsed < next - TimeSpan.FromMilliseconds(100))
            {
                continue;
            }

            next = snapshot.Elapsed + s_plainRefresh;
            var total = backends.Sum(b => b.Backend.RequestsReceived);
            var shares = string.Join("  ", backends.Select(b => Invariant($"{b.Name} {Share(b.Backend.RequestsReceived, total):0%}")));
            Console.Out.WriteLine(Invariant(
                $"  [{title}] {Math.Min(snapshot.Elapsed.TotalSeconds, run.Duration.TotalSeconds),4:0.0}/{run.Duration.TotalSeconds:0.0} s  sent {snapshot.Sent,6}  errors {snapshot.Errors,4} ({Share(snapshot.Errors, snapshot.Completed),5:0.0%})  p50 {Format.Ms(snapshot.P50),8}  p99 {Format.Ms(snapshot.P99),9}  | {shares}"));
        }

        return await running.ConfigureAwait(false);
    }

    private Panel Render(LoadRun run, string title, LoadSnapshot snapshot)
    {
        var duration = run.Duration.TotalSeconds;
        var progress = Math.Clamp(snapshot.Elapsed.TotalSeconds / duration, 0, 1);
        var filled = (int)Math.Round(progress * 40);
        var progressBar = Invariant($"[deepskyblue1]{new string('━', filled)}[/][grey23]{new string('━', 40 - filled)}[/]  {Math.Min(snapshot.Elapsed.TotalSeconds, duration):0.0} s / {duration:0.0} s");

        var inFlight = snapshot.Sent - snapshot.Completed;
        var errorColor = snapshot.Errors == 0 ? "green" : "red";
        var counts = Invariant(
            $"[grey]requests[/]  {snapshot.Sent:N0} sent   {snapshot.Completed:N0} done   {inFlight:N0} in flight   [{errorColor}]{snapshot.Errors:N0} errors ({Share(snapshot.Errors, snapshot.Completed):0.0%})[/]");
        var latency = Invariant(
            $"[grey]latency[/]   p50 [bold]{Format.Ms(snapshot.P50)}[/]   p99 [bold]{Format.Ms(snapshot.P99)}[/]   [grey]p99 of the last second[/] {Format.Ms(snapshot.RecentP99)}");

        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().RightAligned()).AddColumn(new GridColumn().RightAligned());
        grid.AddRow(new Markup("[grey]backend[/]"), new Markup("[grey]share of requests[/]"), new Markup("[grey]share[/]"), new Markup("[grey]at backend now[/]"));
        var total = backends.Sum(b => b.Backend.RequestsReceived);
        foreach (var backend in backends)
        {
            var share = Share(backend.Backend.RequestsReceived, total);
            var width = (int)Math.Round(share * BarWidth);
            var color = Format.Color(backend.Kind);
            grid.AddRow(
                new Markup(Invariant($"[{color}]{Markup.Escape(backend.Name)}[/]")),
                new Markup(Invariant($"[{color}]{new string('█', width)}[/][grey23]{new string('░', BarWidth - width)}[/]")),
                new Markup(Invariant($"{share,6:0.0%}")),
                new Markup(Invariant($"{backend.Backend.QueueLength}")));
        }

        var body = new Rows(new Markup(progressBar), new Markup(counts), new Markup(latency), Text.Empty, grid);
        return new Panel(body)
            .Header(Invariant($" [bold]{Markup.Escape(title)}[/] "))
            .Border(BoxBorder.Rounded)
            .BorderColor(Color.Grey);
    }

    private static double Share(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
