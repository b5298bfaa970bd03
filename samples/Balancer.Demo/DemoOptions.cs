using System.Globalization;
using System.Reflection;
using Balancer.Client.Selection;

namespace Balancer.Demo;

/// <summary>The demo's command line, parsed by hand so the sample needs no extra package.</summary>
internal sealed class DemoOptions
{
    public const int MinBackends = 3;
    public const int MaxBackends = 16;

    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(8);
    public static readonly TimeSpan ShortDuration = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);
    public const double DefaultRate = 300;
    public const int DefaultBackends = 5;

    /// <summary>Gets the built-in selector names, in the order <see cref="EndpointSelectorNames"/> declares them.</summary>
    public static IReadOnlyList<string> BuiltInSelectors { get; } =
        [.. typeof(EndpointSelectorNames)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .OrderBy(f => f.MetadataToken)
            .Select(f => (string)f.GetRawConstantValue()!)];

    public TimeSpan Duration { get; private set; } = DefaultDuration;

    public double Rate { get; private set; } = DefaultRate;

    public IReadOnlyList<string> Selectors { get; private set; } = BuiltInSelectors;

    public int Backends { get; private set; } = DefaultBackends;

    public bool NoLive { get; private set; }

    public bool Short { get; private set; }

    public int? Seed { get; private set; }

    public TimeSpan Timeout { get; private set; } = DefaultTimeout;

    public bool ShowHelp { get; private set; }

    /// <summary>Gets the port of the dashboard on 127.0.0.1: 0 for a free one, <see langword="null"/> for no dashboard.</summary>
    public int? DashboardPort { get; private set; } = 0;

    public static string HelpText { get; } = string.Join(
        Environment.NewLine,
        "Balancer.Demo: starts local backends on 127.0.0.1 (some normal, one slow, one failing), drives the same",
        "open-loop load through each built-in selector and compares latency, errors and where the requests went.",
        "",
        "Usage: dotnet run --project samples/Balancer.Demo -- [options]",
        "",
        "Options:",
        FormattableString.Invariant($"  --duration <seconds>     Load time per selector (default {DefaultDuration.TotalSeconds:0}; max 600)."),
        FormattableString.Invariant($"  --rate <per second>      Requests per second, Poisson arrivals (default {DefaultRate:0}; max 5000)."),
        FormattableString.Invariant($"  --selectors <list>       Comma-separated selector names (default: {string.Join(",", BuiltInSelectors)})."),
        FormattableString.Invariant($"  --backends <count>       Number of backends, {MinBackends} to {MaxBackends} (default {DefaultBackends}): the last two are slow and failing."),
        FormattableString.Invariant($"  --timeout <seconds>      Per-request timeout (default {DefaultTimeout.TotalSeconds:0})."),
        "  --seed <int>             Seed for arrivals, backends and selectors (default: a fresh seed each run).",
        FormattableString.Invariant($"  --short                  {ShortDuration.TotalSeconds:0} s per selector, for smoke runs in CI (--duration wins if both are given)."),
        "  --no-live                Plain progress lines instead of the live view (automatic when output is redirected).",
        "  --dashboard-port <port>  Port of the live dashboard on 127.0.0.1 (default: a free port, printed at the start).",
        "  --no-dashboard           Do not serve the live dashboard.",
        "  -h, --help               Print this help and exit.",
        "",
        "The summary is also written to artifacts/demo-summary.md, with a chart in artifacts/demo-summary.svg.",
        "Exit codes: 0 success, 1 the demo could not run, 2 invalid options, 130 stopped with Ctrl+C.");

    /// <summary>Parses <paramref name="args"/>; on failure returns <see langword="null"/> and sets <paramref name="error"/>.</summary>
    public static DemoOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new DemoOptions();
        TimeSpan? duration = null;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            switch (arg.ToUpperInvariant())
            {
                case "-H":
                case "-?":
                case "--HELP":
                    options.ShowHelp = true;
                    return options;
                case "--NO-LIVE":
                    options.NoLive = true;
                    break;
                case "--SHORT":
                    options.Short = true;
                    break;
                case "--NO-DASHBOARD":
                    options.DashboardPort = null;
                    break;
                case "--DASHBOARD-PORT":
                    if (!TryValue(out var portText) || !int.TryParse(portText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
                    {
                        return Fail(out error, "--dashboard-port needs a port number from 0 (any free port) to 65535.");
                    }

                    options.DashboardPort = port;
                    break;
                case "--DURATION":
                    if (!TryValue(out var durationText) || !TryDouble(durationText, out var seconds) || seconds is <= 0 or > 600)
                    {
                        return Fail(out error, "--duration needs a number of seconds greater than 0 and at most 600.");
                    }

                    duration = TimeSpan.FromSeconds(seconds);
                    break;
                case "--RATE":
                    if (!TryValue(out var rateText) || !TryDouble(rateText, out var rate) || rate is <= 0 or > 5000)
                    {
                        return Fail(out error, "--rate needs a number of requests per second greater than 0 and at most 5000.");
                    }

                    options.Rate = rate;
                    break;
                case "--TIMEOUT":
                    if (!TryValue(out var timeoutText) || !TryDouble(timeoutText, out var timeout) || timeout is < 0.01 or > 60)
                    {
                        return Fail(out error, "--timeout needs a number of seconds from 0.01 to 60.");
                    }

                    options.Timeout = TimeSpan.FromSeconds(timeout);
                    break;
                case "--BACKENDS":
                    if (!TryValue(out var backendsText) || !int.TryParse(backendsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var backends)
                        || backends is < MinBackends or > MaxBackends)
                    {
                        return Fail(out error, FormattableString.Invariant($"--backends needs a whole number from {MinBackends} to {MaxBackends}."));
                    }

                    options.Backends = backends;
                    break;
                case "--SEED":
                    if (!TryValue(out var seedText) || !int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
                    {
                        return Fail(out error, "--seed needs a whole number.");
                    }

                    options.Seed = seed;
                    break;
                case "--SELECTORS":
                    if (!TryValue(out var selectorsText))
                    {
                        return Fail(out error, "--selectors needs a comma-separated list of selector names.");
                    }

                    var selected = new List<string>();
                    foreach (var name in selectorsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var known = BuiltInSelectors.FirstOrDefault(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase));
                        if (known is null)
                        {
                            return Fail(out error, $"Unknown selector '{name}'. Known selectors: {string.Join(", ", BuiltInSelectors)}.");
                        }

                        if (!selected.Contains(known))
                        {
                            selected.Add(known);
                        }
                    }

                    if (selected.Count == 0)
                    {
                        return Fail(out error, "--selectors needs at least one selector name.");
                    }

                    options.Selectors = selected;
                    break;
                default:
                    return Fail(out error, $"Unknown option '{args[i]}'.");
            }

            bool TryValue(out string value)
            {
                if (inlineValue is not null)
                {
                    value = inlineValue;
                    return value.Length > 0;
                }

                if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = args[++i];
                    return true;
                }

                value = string.Empty;
                return false;
            }
        }

        options.Duration = duration ?? (options.Short ? ShortDuration : DefaultDuration);
        return options;
    }

    private static bool TryDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static DemoOptions? Fail(out string? error, string message)
    {
        error = message;
        return null;
    }
}
