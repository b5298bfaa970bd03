using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Balancer.Client.Tests.Architecture;

/// <summary>
/// The layers of src/Balancer.Client (docs/design.md, "Layers"): top to bottom DependencyInjection (wiring) >
/// Http, Resilience > Runtime > Selection > Health, Network > Feedback > Endpoints, with Internal a utility anyone may use,
/// Diagnostics and Inspection read-only views, and the root namespace the public options and exceptions of all.
/// Dependencies point down only. Each rule is checked twice: by NetArchTest, and by <see cref="LibraryDependencies"/>,
/// which names what each offending type depends on and applies the named exceptions below; an exception that is no
/// longer needed fails too, so that the lists only shrink.
/// </summary>
public sealed partial class LayeringTests
{
    private const string Root = "Balancer.Client";

    /// <summary>The folders of the library that are layers (their namespace is <c>Balancer.Client.&lt;folder&gt;</c>).</summary>
    private static readonly string[] s_layers =
        ["DependencyInjection", "Http", "Resilience", "Runtime", "Selection", "Health", "Network", "Feedback", "Endpoints", "Internal", "Diagnostics", "Inspection"];

    /// <summary>Endpoints carries each endpoint's own state, so it refers to the types of that state (DESIGN decision 2).</summary>
    private static readonly Allowance[] s_endpointState =
    [
        new("*", "Balancer.Client.Feedback.EndpointStats", "BalancerEndpoint.Stats: the statistics travel with the endpoint"),
        new("*", "Balancer.Client.Health.EndpointHealth", "BalancerEndpoint.Health: the health state travels with the endpoint"),
    ];

    /// <summary>
    /// Files that keep another namespace: the AddXxx extension methods follow the .NET convention of
    /// <c>Microsoft.Extensions.DependencyInjection</c>, so that they show without a using.
    /// </summary>
    private static readonly NamespaceException[] s_namespaceExceptions =
    [
        new("DependencyInjection", "BalancerHttpClientBuilderExtensions.cs", "Microsoft.Extensions.DependencyInjection"),
        new("DependencyInjection", "BalancerServiceCollectionExtensions.cs", "Microsoft.Extensions.DependencyInjection"),
    ];

    /// <summary>The assemblies of configuration and options binding, and the namespace of <c>IConfiguration</c>.</summary>
    private static readonly string[] s_configurationAssemblies =
    [
        "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.Configuration.Abstractions",
        "Microsoft.Extensions.Configuration.Binder",
        "Microsoft.Extensions.Options.ConfigurationExtensions",
    ];

    private const string ConfigurationNamespace = "Microsoft.Extensions.Configuration";

    private const string RequestOptionsGetter = "System.Net.Http.HttpRequestMessage::get_Options";

    /// <summary>Below the handler, only the attempt context touches <see cref="HttpRequestMessage.Options"/>; the public extensions set the caller's keys.</summary>
    private static readonly string[] s_requestOptionsTypes = ["Balancer.Client.Feedback.AttemptContext", "Balancer.Client.BalancerHttpRequestExtensions"];

    private static readonly string[] s_requestOptionsLayers = ["Http", "DependencyInjection"];

    private static Assembly Library => typeof(BalancerOptions).Assembly;

    private static LibraryDependencies Dependencies => LibraryDependencies.Library;

    [Fact]
    public void Endpoints_UsesNoLayerAbove_ButTheStateEachEndpointCarries() =>
        AssertLayer("Endpoints", ["Feedback", "Health", "Selection", "Network", "Runtime", "Http", "Resilience", "DependencyInjection", "Inspection"], s_endpointState);

    [Fact]
    public void Feedback_UsesNoLayerAbove() =>
        AssertLayer("Feedback", ["Health", "Selection", "Network", "Runtime", "Http", "Resilience", "DependencyInjection", "Inspection"]);

    [Fact]
    public void Health_UsesNeitherSelectionNorTheRuntimeHttpResilienceOrWiring() =>
        AssertLayer("Health", ["Selection", "Runtime", "Http", "Resilience", "DependencyInjection"]);

    [Fact]
    public void Selection_UsesNeitherTheRuntimeHttpResilienceNorWiring() =>
        AssertLayer("Selection", ["Runtime", "Http", "Resilience", "DependencyInjection"]);

    [Fact]
    public void Network_UsesOnlyFeedbackEndpointsInternalAndDiagnostics() =>
        AssertLayer("Network", ["Health", "Selection", "Runtime", "Http", "Resilience", "DependencyInjection", "Inspection"]);

    [Fact]
    public void Runtime_UsesNeitherTheTransportsNorWiring() =>
        AssertLayer("Runtime", ["Http", "Resilience", "DependencyInjection", "Inspection"]);

    [Fact]
    public void Inspection_UsesNoWiring() =>
        AssertLayer("Inspection", ["Http", "Resilience", "DependencyInjection"]);

    [Fact]
    public void Http_UsesNoWiring() =>
        AssertLayer("Http", ["DependencyInjection"]);

    [Fact]
    public void Resilience_UsesNoWiring() =>
        AssertLayer("Resilience", ["DependencyInjection"]);

    [Fact]
    public void Internal_UsesNoOtherLayer() =>
        AssertLayer("Internal", [.. s_layers.Where(l => l != "Internal")]);

    [Fact]
    public void ConfigurationBinding_OnlyInTheWiringLayer()
    {
        var offending = Dependencies.Types
            .Where(t => LayerOf(t.Namespace) != "DependencyInjection")
            .SelectMany(t => t.References.Where(IsConfiguration).Select(r => $"{t.FullName} -> {r.FullName} ({r.Assembly})"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var checkedByNetArchTest = Types.InAssembly(Library)
            .That().DoNotResideInNamespace(Root + ".DependencyInjection")
            .And().DoNotResideInNamespace("Microsoft.Extensions.DependencyInjection")
            .ShouldNot().HaveDependencyOn(ConfigurationNamespace)
            .GetResult();

        offending.Should().BeEmpty("only DependencyInjection/ binds configuration and options; found:{0}", Lines(offending));
        checkedByNetArchTest.IsSuccessful.Should().BeTrue("NetArchTest finds configuration in: {0}", string.Join(", ", checkedByNetArchTest.FailingTypeNames ?? []));
    }

    [Fact]
    public void RequestOptions_OnlyThroughTheAttemptContext()
    {
        var offending = RequestOptionsReaders()
            .Where(t => !s_requestOptionsTypes.Contains(t.FullName, StringComparer.Ordinal) && !s_requestOptionsLayers.Contains(LayerOf(t.Namespace), StringComparer.Ordinal))
            .Select(t => $"{t.FullName} -> {RequestOptionsGetter}")
            .ToList();

        offending.Should().BeEmpty("below the handler, per-request data travels in the attempt context (Feedback/AttemptContext), not in keys of request.Options; found:{0}", Lines(offending));
    }

    [Fact]
    public void Namespaces_MatchFolders()
    {
        var offending = NamespaceMismatches(SourceNamespaces(), s_namespaceExceptions, out var unused);

        offending.Should().BeEmpty("a file's namespace is Balancer.Client.<folder> (known exceptions aside); found:{0}", Lines(offending));
        unused.Should().BeEmpty("an exception that no folder needs any more is removed from the list");
    }

    // The checks themselves: a rule that loads nothing or names a layer wrongly must not pass by finding nothing.

    [Fact]
    public void Checker_EveryLayerHasTypes_InTheScanAndForNetArchTest()
    {
        foreach (var layer in s_layers)
        {
            Dependencies.Types.Count(t => LayerOf(t.Namespace) == layer).Should().BePositive("the scan sees the types of {0}", layer);
            Types.InAssembly(Library).That().ResideInNamespace($"{Root}.{layer}").GetTypes().Should().NotBeEmpty("NetArchTest sees the types of {0}", layer);
        }
    }

    [Fact]
    public void Checker_WithoutItsExceptions_ReportsTheKnownDependencies()
    {
        var handler = Check("Http", ["Runtime"], []);
        var endpoints = Check("Endpoints", ["Feedback", "Health"], []);

        handler.Violations.Should().Contain("Balancer.Client.Http.BalancingHandler -> Balancer.Client.Runtime.ClientRuntime");
        handler.NetArchTestFailures.Should().Contain("Balancer.Client.Http.BalancingHandler");
        endpoints.Violations.Should().Contain("Balancer.Client.Endpoints.BalancerEndpoint -> Balancer.Client.Feedback.EndpointStats")
            .And.Contain("Balancer.Client.Endpoints.BalancerEndpoint -> Balancer.Client.Health.EndpointHealth");
        endpoints.NetArchTestFailures.Should().Contain("Balancer.Client.Endpoints.BalancerEndpoint");
    }

    [Fact]
    public void Checker_SeesConfigurationAndRequestOptions_WhereTheyAreUsed()
    {
        Dependencies.Types.Where(t => LayerOf(t.Namespace) == "DependencyInjection").SelectMany(t => t.References)
            .Should().Contain(r => IsConfiguration(r), "the wiring layer binds configuration, and the scan must see it");
        RequestOptionsReaders().Select(t => t.FullName).Should().Contain(s_requestOptionsTypes);
    }

    [Fact]
    public void Checker_ReportsAFileInAnotherNamespace_AndAnUnusedException()
    {
        var files = new[] { new SourceFile("Health", "Wrong.cs", "Balancer.Client.Feedback"), new SourceFile("Health", "Right.cs", "Balancer.Client.Health") };
        NamespaceException[] exceptions = [new("Nowhere", null, "Balancer.Client")];

        NamespaceMismatches(files, exceptions, out var unused).Should().Equal("Health/Wrong.cs: namespace Balancer.Client.Feedback, expected Balancer.Client.Health");
        unused.Should().Equal("Nowhere");
        SourceNamespaces().Should().Contain(new SourceFile("Feedback", "AttemptContext.cs", "Balancer.Client.Feedback"), "the sources are read");
    }

    private static void AssertLayer(string layer, string[] forbidden, Allowance[]? allowances = null)
    {
        allowances ??= [];
        var result = Check(layer, forbidden, allowances);

        result.Violations.Should().BeEmpty("{0} must not depend on {1}; found:{2}", layer, string.Join(", ", forbidden), Lines(result.Violations));
        result.Unexplained.Should().BeEmpty("NetArchTest finds these types of {0} depending on {1} where the scan finds nothing", layer, string.Join(", ", forbidden));
        result.UnusedAllowances.Should().BeEmpty("an exception that is not needed any more is removed from the list");
    }

    /// <summary>Applies one layer rule with both checkers.</summary>
    private static RuleResult Check(string layer, string[] forbidden, Allowance[] allowances)
    {
        var used = new HashSet<Allowance>();
        var violations = new List<string>();
        var forbiddenTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in Dependencies.Types.Where(t => LayerOf(t.Namespace) == layer))
        {
            foreach (var reference in type.References.Where(r => r.Assembly == Dependencies.ModuleName && forbidden.Contains(LayerOf(r.Namespace), StringComparer.Ordinal)))
            {
                forbiddenTypes.Add(type.FullName);
                var allowance = allowances.FirstOrDefault(a => (a.From == "*" || a.From == type.FullName) && a.To == reference.FullName);
                if (allowance is null)
                {
                    violations.Add($"{type.FullName} -> {reference.FullName}");
                }
                else
                {
                    used.Add(allowance);
                }
            }
        }

        var netArchTest = Types.InAssembly(Library)
            .That().ResideInNamespace($"{Root}.{layer}")
            .ShouldNot().HaveDependencyOnAny([.. forbidden.Select(f => $"{Root}.{f}")])
            .GetResult();
        var failures = (netArchTest.FailingTypeNames ?? []).Select(TopLevelName).Distinct(StringComparer.Ordinal).ToList();

        violations.Sort(StringComparer.Ordinal);
        return new RuleResult(
            violations,
            failures,
            [.. failures.Where(f => !forbiddenTypes.Contains(f))],
            [.. allowances.Where(a => !used.Contains(a)).Select(a => $"{a.From} -> {a.To}")]);
    }

    private static IEnumerable<LibraryType> RequestOptionsReaders() =>
        Dependencies.Types.Where(t => t.Calls.Contains(RequestOptionsGetter));

    private static bool IsConfiguration(Reference reference) =>
        s_configurationAssemblies.Contains(reference.Assembly, StringComparer.Ordinal)
        || reference.Namespace == ConfigurationNamespace
        || reference.Namespace.StartsWith(ConfigurationNamespace + ".", StringComparison.Ordinal);

    /// <summary>
    /// The layer of a library namespace: the folder after <c>Balancer.Client.</c> (sub-namespaces belong to it), the
    /// wiring layer for the library's extension methods in <c>Microsoft.Extensions.DependencyInjection</c>, empty for
    /// the root namespace, <see langword="null"/> for anything else (compiler-generated helpers).
    /// </summary>
    private static string? LayerOf(string @namespace)
    {
        if (@namespace == Root)
        {
            return string.Empty;
        }

        if (@namespace == "Microsoft.Extensions.DependencyInjection")
        {
            return "DependencyInjection";
        }

        if (!@namespace.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = @namespace[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static string TopLevelName(string name)
    {
        var nested = name.IndexOfAny(['/', '+']);
        return nested < 0 ? name : name[..nested];
    }

    /// <summary>The namespace of every source file of the library, with its folder relative to the project.</summary>
    private static List<SourceFile> SourceNamespaces()
    {
        var project = Path.Combine(RepositoryPaths.Root, "src", "Balancer.Client");
        var files = new List<SourceFile>();
        foreach (var path in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(project, path).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(relative)!.Replace(Path.DirectorySeparatorChar, '/');
            var declared = NamespaceDeclaration().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value).ToList();
            files.Add(new SourceFile(folder, Path.GetFileName(relative), declared.Count == 1 ? declared[0] : $"({declared.Count} namespace declarations)"));
        }

        return files;
    }

    private static List<string> NamespaceMismatches(IEnumerable<SourceFile> files, NamespaceException[] exceptions, out List<string> unused)
    {
        var used = new HashSet<NamespaceException>();
        var offending = new List<string>();
        foreach (var file in files)
        {
            var exception = exceptions.FirstOrDefault(e => e.Folder == file.Folder && (e.File is null || e.File == file.Name));
            var expected = exception?.Namespace ?? (file.Folder.Length == 0 ? Root : $"{Root}.{file.Folder.Replace('/', '.')}");
            if (exception is not null)
            {
                used.Add(exception);
            }

            if (file.Namespace != expected)
            {
                offending.Add($"{(file.Folder.Length == 0 ? string.Empty : file.Folder + "/")}{file.Name}: namespace {file.Namespace}, expected {expected}");
            }
        }

        unused = [.. exceptions.Where(e => !used.Contains(e)).Select(e => e.File is null ? e.Folder : $"{e.Folder}/{e.File}")];
        return offending;
    }

    private static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(l => Environment.NewLine + "  " + l));

    [GeneratedRegex(@"^\s*namespace\s+([A-Za-z0-9_.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    /// <summary>A named exception: <paramref name="From"/> (a type, or <c>*</c> for every type of the layer) may refer to <paramref name="To"/>, because of <paramref name="Why"/>.</summary>
    private sealed record Allowance(string From, string To, string Why);

    private sealed record RuleResult(List<string> Violations, List<string> NetArchTestFailures, List<string> Unexplained, List<string> UnusedAllowances);

    private sealed record NamespaceException(string Folder, string? File, string Namespace);

    private sealed record SourceFile(string Folder, string Name, string Namespace);
}
