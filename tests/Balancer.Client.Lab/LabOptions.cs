using System.Globalization;
using Balancer.Client.Lab.Grpc;
using Balancer.Client.Testing.Simulation;

namespace Balancer.Client.Lab;

/// <summary>The lab's command line, parsed by hand; every error is reported at once.</summary>
internal sealed class LabOptions
{
    public const int DefaultRepeat = 3;
    public const double DefaultMaxRate = 800;
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    public IReadOnlyList<ScenarioDefinition> Scenarios { get; private set; } = [];

    public IReadOnlyList<string>? Contenders { get; private set; }

    public int Repeat { get; private set; } = DefaultRepeat;

    public TimeSpan Duration { get; private set; } = DefaultDuration;

    public double? RateFraction { get; private set; }

    public double MaxRate { get; private set; } = DefaultMaxRate;

    public TimeSpan Timeout { get; private set; } = DefaultTimeout;

    public string OutputDirectory { get; private set; } = Path.Combine("docs", "benchmarks");

    public int Seed { get; private set; } = 1;

    /// <summary>Gets the number of independent client instances (<c>--clients</c>), or <see langword="null"/> for the scenario's own.</summary>
    public int? Clients { get; private set; }

    public bool ShowHelp { get; private set; }

    /// <summary>Gets a value indicating whether to run the fault soak instead of the scenarios.</summary>
    public bool Soak { get; private set; }

    /// <summary>Gets a value indicating whether to run the scenarios over gRPC instead (<c>--grpc</c>).</summary>
    public bool Grpc { get; private set; }

    /// <summary>Gets a value indicating whether <c>--duration</c> was given (the soak has a default of its own).</summary>
    public bool DurationSet { get; private set; }

    /// <summary>Returns a copy with another run length.</summary>
    public LabOptions WithDuration(TimeSpan duration)
    {
        var copy = (LabOptions)MemberwiseClone();
        copy.Duration = duration;
        return copy;
    }

    public static string HelpText => string.Join(
        Environment.NewLine,
        "Balancer.Client.Lab: runs the simulator's scenarios on real Kestrel backends on 127.0.0.1 and compares the",
        "built-in selectors with Microsoft.Extensions.ServiceDiscovery, a naive round robin, an oracle and (when",
        "installed, see eng/install-proxies.sh) HAProxy leastconn and nginx random-two-least-conn as a proxy hop,",
        "and YARP LeastRequests and PowerOfTwoChoices as an in-process proxy hop.",
        "",
        "Usage: dotnet run -c Release --project tests/Balancer.Client.Lab -- [options]",
        "",
        "Options:",
        $"  --scenario <list|all>    Comma-separated scenario names, or all (default all). Known: {string.Join(", ", LabScenarios.All.Select(s => s.Name))}.",
        $"                           'all' leaves out {string.Join(", ", LabScenarios.Excluded.Keys)}: {string.Join("; ", LabScenarios.Excluded.Values)}.",
        FormattableString.Invariant($"  --repeat <K>             Runs per contender, interleaved A B C … K times on fresh backends (default {DefaultRepeat})."),
        FormattableString.Invariant($"  --duration <seconds>     Load time per run; the scenario's timeline is scaled to it (default {DefaultDuration.TotalSeconds:0})."),
        "  --rate-fraction <f>      Offered load as a share of the backends' capacity (default: the scenario's, 0.7).",
        FormattableString.Invariant($"  --max-rate <rps>         Cap on the offered rate; above it capacity is scaled down (default {DefaultMaxRate:0})."),
        FormattableString.Invariant($"  --timeout <seconds>      Per-request timeout, HttpClient.Timeout (default {DefaultTimeout.TotalSeconds:0})."),
        $"  --contenders <list>      Comma-separated contenders (default: all; {ContenderCatalog.HedgingName} only in stall). Known: {string.Join(", ", ContenderCatalog.AllNames)}; with --grpc, see below.",
        "  --out <folder>           Where <scenario>.json/.md and the charts go (default docs/benchmarks).",
        "  --seed <int>             Seed of arrivals and backend draws; repeat r uses seed + r (default 1).",
        "  --clients <K>            Fleet mode: K independent client instances per contender (each its own container and",
        "                           state), request i of the arrival stream going to instance i mod K (default: the",
        "                           scenario's, 1 for most). Each instance gets its own proxy hop; the oracle stays global. Use",
        "                           another --out per K to keep the results apart.",
        "  --soak                   Run the fault soak instead (60 s by default: kills and restarts, 503 bursts, a black",
        "                           hole, a 429 storm, stalls, reloads every second; the default client with AddBalancerRetry(),",
        "                           the oracle and the installed proxies, then a no-fault run); writes soak.md to --out.",
        "  --grpc                   Run the scenarios over gRPC instead (default one-slow, hetero, kill): Grpc.AspNetCore servers",
        "                           with the same capacity model; PeakEwma and PowerOfTwoChoices through AddGrpcClient().AddBalancer(),",
        $"                           grpc-dotnet's round_robin and pick_first, and the oracle ({string.Join(", ", GrpcContenderCatalog.AllNames)});",
        "                           writes grpc-<scenario>.json/.md/-latency.png and grpc-summary.md to --out, set against the HTTP",
        "                           lab's <scenario>.json found there.",
        "  -h, --help               Print this help and exit.",
        "",
        "Each run lasts --duration plus up to --timeout for the last answers; on 2 cores, --scenario all with the defaults",
        "(10 scenarios, 10-11 contenders, 3 repeats of 10 s) takes about 55 minutes, --repeat 2 --duration 8 about 30;",
        "--grpc with the defaults (3 scenarios, 5 contenders) about 9 minutes.");

    public static LabOptions Parse(IReadOnlyList<string> args, List<string> errors)
    {
        var options = new LabOptions();
        string? scenarioText = null;
        string? contenderText = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? value = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                value = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Next()
            {
                if (value is not null)
                {
                    return value;
                }

                if (i + 1 < args.Count)
                {
                    return args[++i];
                }

                errors.Add($"{arg} needs a value.");
                return string.Empty;
            }

            switch (arg)
            {
                case "-h" or "--help":
                    options.ShowHelp = true;
                    break;
                case "--scenario" or "--scenarios":
                    scenarioText = Next();
                    break;
                case "--repeat":
                    options.Repeat = ParseInt(arg, Next(), 1, 20, errors, options.Repeat);
                    break;
                case "--soak":
                    options.Soak = true;
                    break;
                case "--grpc":
                    options.Grpc = true;
                    break;
                case "--duration":
                    options.DurationSet = true;
                    options.Duration = TimeSpan.FromSeconds(ParseDouble(arg, Next(), 2, 600, errors, options.Duration.TotalSeconds));
                    break;
                case "--rate-fraction":
                    options.RateFraction = ParseDouble(arg, Next(), 0.01, 2, errors, 0.7);
                    break;
                case "--max-rate":
                    options.MaxRate = ParseDouble(arg, Next(), 10, 5000, errors, options.MaxRate);
                    break;
                case "--timeout":
                    options.Timeout = TimeSpan.FromSeconds(ParseDouble(arg, Next(), 0.1, 60, errors, options.Timeout.TotalSeconds));
                    break;
                case "--contenders":
                    contenderText = Next();
                    break;
                case "--out":
                    options.OutputDirectory = Next();
                    break;
                case "--clients":
                    options.Clients = ParseInt(arg, Next(), 1, 64, errors, 1);
                    break;
                case "--seed":
                    options.Seed = ParseInt(arg, Next(), int.MinValue, int.MaxValue - 100, errors, options.Seed);
                    break;
                default:
                    errors.Add($"Unknown option '{args[i]}' (see --help).");
                    break;
            }
        }

        if (options.Grpc && options.Soak)
        {
            errors.Add("--grpc and --soak cannot be combined: the fault soak runs over HTTP.");
        }

        options.Scenarios = scenarioText is null && options.Grpc ? GrpcLab.DefaultScenarios : ParseScenarios(scenarioText ?? "all", errors);
        if (contenderText is not null)
        {
            options.Contenders = ParseContenders(contenderText, options.Grpc ? GrpcContenderCatalog.AllNames : ContenderCatalog.AllNames, errors);
        }

        return options;
    }

    private static List<ScenarioDefinition> ParseScenarios(string text, List<string> errors)
    {
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase))
        {
            return [.. LabScenarios.All.Where(s => !LabScenarios.Excluded.ContainsKey(s.Name))];
        }

        var list = new List<ScenarioDefinition>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (LabScenarios.Excluded.TryGetValue(name, out var why))
            {
                errors.Add($"Scenario '{name}' does not run in the lab: {why}.");
                continue;
            }

            var scenario = LabScenarios.All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
            if (scenario is null)
            {
                errors.Add($"'{name}' is not a known scenario; known: {string.Join(", ", LabScenarios.All.Select(s => s.Name))}.");
            }
            else if (!list.Contains(scenario))
            {
                list.Add(scenario);
            }
        }

        if (list.Count == 0 && errors.Count == 0)
        {
            errors.Add("--scenario names no scenario.");
        }

        return list;
    }

    private static List<string> ParseContenders(string text, IReadOnlyList<string> known, List<string> errors)
    {
        var list = new List<string>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = known.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors.Add($"'{name}' is not a known contender{(known == ContenderCatalog.AllNames ? string.Empty : " of the gRPC mode")}; known: {string.Join(", ", known)}.");
            }
            else if (!list.Contains(match))
            {
                list.Add(match);
            }
        }

        if (list.Count == 0 && errors.Count == 0)
        {
            errors.Add("--contenders names no contender.");
        }

        return list;
    }

    private static int ParseInt(string name, string text, int min, int max, List<string> errors, int fallback)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{name} must be a whole number from {min} to {max} (was '{text}').");
        return fallback;
    }

    private static double ParseDouble(string name, string text, double min, double max, List<string> errors, double fallback)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(FormattableString.Invariant($"{name} must be a number from {min} to {max} (was '{text}')."));
        return fallback;
    }
}
