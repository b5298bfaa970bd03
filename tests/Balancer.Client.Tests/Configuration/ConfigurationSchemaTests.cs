using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Balancer.Client.Tests.Configuration;

/// <summary>
/// The JSON schema that Balancer.Client ships for <c>Balancer:Clients:*</c> (src/Balancer.Client/ConfigurationSchema.json):
/// it accepts every configuration the repository shows, rejects typos and out-of-range values, and names every option
/// that configuration binding can set.
/// </summary>
public sealed partial class ConfigurationSchemaTests
{
    private static readonly string RepositoryRoot = RepositoryPaths.Root;
    private static readonly string SchemaPath = Path.Combine(RepositoryRoot, "src", "Balancer.Client", "ConfigurationSchema.json");

    public static TheoryData<string> ConfigurationFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "samples"), "appsettings*.json", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepositoryRoot, file));
        }

        return data;
    }

    public static TheoryData<string> DocumentationFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "docs"), "*.md").Append(Path.Combine(RepositoryRoot, "README.md")).Order(StringComparer.Ordinal))
        {
            if (JsonBlocksWithBalancer(File.ReadAllText(file)).Any())
            {
                data.Add(Path.GetRelativePath(RepositoryRoot, file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConfigurationFiles))]
    public void Accepts_the_configuration_of_every_sample(string relativePath)
    {
        var file = Path.Combine(RepositoryRoot, relativePath);

        // A sample's own schema segments (JsonSchemaSegment items in its project, such as the names of its custom
        // selectors) are merged into the package's schema, as editors do.
        var segments = SchemaSegmentsOf(Path.GetDirectoryName(file)!);
        var errors = Validate(File.ReadAllText(file), segments);

        errors.Should().BeEmpty($"{relativePath} is a configuration the schema must accept");
    }

    [Theory]
    [MemberData(nameof(DocumentationFiles))]
    public void Accepts_every_configuration_example_of_the_documentation(string relativePath)
    {
        var blocks = JsonBlocksWithBalancer(File.ReadAllText(Path.Combine(RepositoryRoot, relativePath))).ToList();

        blocks.Should().NotBeEmpty();
        foreach (var block in blocks)
        {
            Validate(block).Should().BeEmpty($"the example of {relativePath} must be valid configuration:\n{block}");
        }
    }

    [Fact]
    public void The_repository_has_configuration_to_check()
    {
        ConfigurationFiles().Should().HaveCountGreaterThanOrEqualTo(2);
        DocumentationFiles().Should().HaveCountGreaterThanOrEqualTo(3);
    }

    [Theory]
    [InlineData("PeakEwma")]
    [InlineData("peakewma")]
    [InlineData("ROUNDROBIN")]
    [InlineData("NetworkAware")]
    public void Accepts_a_built_in_selector_name_in_any_case(string selector)
    {
        Validate(Client($$"""{ "Selector": "{{selector}}" }""")).Should().BeEmpty();
    }

    [Fact]
    public void Accepts_every_built_in_selector_name_in_lower_and_upper_case()
    {
        var names = typeof(Balancer.Client.Selection.EndpointSelectorNames)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        names.Should().Contain("LeastLatency");
        foreach (var name in names.SelectMany(n => new[] { n, n.ToLowerInvariant(), n.ToUpperInvariant() }))
        {
            Validate(Client($$"""{ "Selector": "{{name}}" }""")).Should().BeEmpty("'{0}' is a built-in selector name, and binding ignores case", name);
        }
    }

    [Theory]
    [InlineData("PeakEwmaa")]
    [InlineData("LeastLoaded")]
    [InlineData("")]
    public void Rejects_an_unknown_selector_name(string selector)
    {
        Validate(Client($$"""{ "Selector": "{{selector}}" }""")).Should().NotBeEmpty();
    }

    [Fact]
    public void Accepts_a_custom_selector_name_that_the_application_adds_to_the_schema()
    {
        var config = Client("""{ "Selector": "LeastLoaded" }""");
        var segment = """{ "definitions": { "balancerSelector": { "anyOf": [ { "type": "string", "enum": [ "LeastLoaded" ] } ] } } }""";

        Validate(config, [segment]).Should().BeEmpty();
        Validate(Client("""{ "Selector": "MostLoaded" }"""), [segment]).Should().NotBeEmpty("only the added name is accepted");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("1.5")]
    [InlineData("\"heavy\"")]
    public void Rejects_a_weight_out_of_range(string weight)
    {
        Validate(Client($$"""{ "Endpoints": [ { "Address": "http://127.0.0.1:5000", "Weight": {{weight}} } ] }""")).Should().NotBeEmpty();
    }

    [Fact]
    public void Accepts_the_weights_the_validator_allows()
    {
        Validate(Client("""{ "Endpoints": [ { "Address": "http://127.0.0.1:5000", "Weight": 1 }, { "Address": "http://127.0.0.1:5001", "Weight": 100 } ] }"""))
            .Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{ "Selektor": "PeakEwma" }""")]
    [InlineData("""{ "Endpoints": [ { "Adress": "http://127.0.0.1:5000" } ] }""")]
    [InlineData("""{ "Health": { "OutlierDetektion": { "ConsecutiveFailures": 3 } } }""")]
    [InlineData("""{ "Health": { "ActiveChecks": { "Enable": true } } }""")]
    [InlineData("""{ "IsFailure": "always" }""")]
    public void Rejects_an_unknown_property(string client)
    {
        Validate(Client(client)).Should().NotBeEmpty("configuration binding would ignore the misspelt key silently");
    }

    [Theory]
    [InlineData("""{ "Health": { "PanicThreshold": 1.5 } }""")]
    [InlineData("""{ "Health": { "ConnectionFailure": { "Jitter": 1 } } }""")]
    [InlineData("""{ "Health": { "SlowStart": { "MinWeightPercent": 0 } } }""")]
    [InlineData("""{ "Health": { "ActiveChecks": { "Path": "health" } } }""")]
    [InlineData("""{ "MlScored": { "Candidates": 1 } }""")]
    [InlineData("""{ "ConsistentHash": { "LoadBoundFactor": 1 } }""")]
    [InlineData("""{ "ConsistentHash": { "HeaderName": "X User" } }""")]
    [InlineData("""{ "EndpointSources": { "AllowedSchemes": [ "ftp" ] } }""")]
    [InlineData("""{ "Endpoints": [ { "Address": "http://127.0.0.1:5000", "Priority": -1 } ] }""")]
    public void Rejects_a_value_the_validator_rejects(string client)
    {
        Validate(Client(client)).Should().NotBeEmpty();
    }

    [Theory]
    [InlineData("00:00:02")]
    [InlineData("00:00:00.250")]
    [InlineData("1.00:00:00")]
    [InlineData("00:05")]
    public void Accepts_a_time_span_as_configuration_reads_it(string value)
    {
        TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture).Should().BePositive("the binder must read it too");
        Validate(Client($$"""{ "AttemptTimeout": "{{value}}", "Health": { "OutlierDetection": { "BaseEjectionTime": "{{value}}" } } }""")).Should().BeEmpty();
    }

    [Theory]
    [InlineData("2s")]
    [InlineData("PT2S")]
    [InlineData("2")]
    public void Rejects_a_time_span_that_is_not_one(string value)
    {
        var config = value == "2" ? Client("""{ "AttemptTimeout": 2 }""") : Client($$"""{ "AttemptTimeout": "{{value}}" }""");

        Validate(config).Should().NotBeEmpty();
    }

    [Fact]
    public void Accepts_values_in_range_and_other_sections_of_appsettings()
    {
        var config = """
            {
              "$schema": "https://json.schemastore.org/appsettings.json",
              "Logging": { "LogLevel": { "Default": "Information" } },
              "Balancer": { "Clients": { "catalog": {
                "Selector": "ConsistentHash",
                "ConsistentHash": { "HeaderName": "X-User-Id", "LoadBoundFactor": "Infinity" },
                "EndpointSources": { "AllowedSchemes": [ "https" ], "AllowedHosts": [ "*.svc.cluster.local", "10.0.0.0/8" ] },
                "Endpoints": [ { "Address": "https://127.0.0.1:5001", "Weight": 3, "Zone": "eu-1a", "Priority": 1, "Metadata": { "rack": "r1" } } ],
                "Subsetting": { "SubsetSize": 3, "InstanceCount": 4, "InstanceId": 0 },
                "RandomSeed": 42
              } } }
            }
            """;

        Validate(config).Should().BeEmpty();
    }

    [Fact]
    public void Names_every_option_that_configuration_binding_can_set()
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;
        var client = schema["properties"]!["Balancer"]!["properties"]!["Clients"]!["additionalProperties"]!;

        var inCode = new SortedSet<string>(StringComparer.Ordinal);
        CollectBindableProperties(typeof(BalancerOptions), "", inCode);
        var inSchema = new SortedSet<string>(StringComparer.Ordinal);
        CollectSchemaProperties(client, "", inSchema);

        inCode.Should().HaveCountGreaterThan(60, "the walk must reach every nested options type");
        inSchema.Should().BeEquivalentTo(inCode, "the schema must name exactly the options that configuration binding sets");
    }

    [Fact]
    public void Documents_every_option_and_closes_every_object()
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;
        var client = schema["properties"]!["Balancer"]!["properties"]!["Clients"]!["additionalProperties"]!;

        foreach (var (path, node) in SchemaObjects(client, "client"))
        {
            if (node["properties"] is JsonObject properties)
            {
                node["additionalProperties"]?.GetValue<bool>().Should().BeFalse($"{path} must reject unknown keys");
                foreach (var (name, property) in properties)
                {
                    property!["description"]?.GetValue<string>().Should().NotBeNullOrWhiteSpace($"{path}.{name} needs a description");
                }
            }
        }
    }

    private static IEnumerable<(string Path, JsonObject Node)> SchemaObjects(JsonNode node, string path)
    {
        if (node is not JsonObject obj)
        {
            yield break;
        }

        yield return (path, obj);
        if (obj["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                foreach (var nested in SchemaObjects(property!, $"{path}.{name}"))
                {
                    yield return nested;
                }
            }
        }

        if (obj["items"] is JsonNode items)
        {
            foreach (var nested in SchemaObjects(items, $"{path}[]"))
            {
                yield return nested;
            }
        }
    }

    /// <summary>The properties the configuration binder sets: public, settable, of a type it can read from configuration.</summary>
    private static void CollectBindableProperties(Type type, string prefix, ISet<string> output)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true })
            {
                continue;
            }

            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (typeof(Delegate).IsAssignableFrom(propertyType)
                || (propertyType.IsInterface && !typeof(IEnumerable).IsAssignableFrom(propertyType)))
            {
                continue; // code only: a function or a service object has no configuration form
            }

            var path = prefix + property.Name;
            output.Add(path);
            if (IsOptionsType(propertyType))
            {
                CollectBindableProperties(propertyType, path + ".", output);
            }
            else if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(IList<>) && IsOptionsType(propertyType.GetGenericArguments()[0]))
            {
                CollectBindableProperties(propertyType.GetGenericArguments()[0], path + "[].", output);
            }
        }
    }

    private static bool IsOptionsType(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("Balancer.Client", StringComparison.Ordinal) == true;

    private static void CollectSchemaProperties(JsonNode node, string prefix, ISet<string> output)
    {
        if (node["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (name, property) in properties)
        {
            output.Add(prefix + name);
            CollectSchemaProperties(property!, prefix + name + ".", output);
            if (property!["items"] is JsonNode items)
            {
                CollectSchemaProperties(items, prefix + name + "[].", output);
            }
        }
    }

    private static string Client(string clientSection) =>
        $$"""{ "Balancer": { "Clients": { "catalog": {{clientSection}} } } }""";

    /// <summary>Validates <paramref name="json"/> against the package's schema merged with <paramref name="segments"/>; returns the errors.</summary>
    private static List<string> Validate(string json, IReadOnlyList<string>? segments = null)
    {
        var schemaNode = JsonNode.Parse(File.ReadAllText(SchemaPath))!.AsObject();
        foreach (var segment in segments ?? [])
        {
            Merge(schemaNode, JsonNode.Parse(segment)!.AsObject());
        }

        var schema = JsonSchema.FromText(
            schemaNode.ToJsonString(),
            new BuildOptions { SchemaRegistry = new SchemaRegistry() },
            new Uri($"https://balancer.test/schema/{Guid.NewGuid():N}.json"));
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        var errors = new List<string>();
        if (!results.IsValid)
        {
            foreach (var detail in results.Details ?? [])
            {
                foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
                {
                    errors.Add($"{detail.InstanceLocation}: {keyword}: {message}");
                }
            }

            if (errors.Count == 0)
            {
                errors.Add("invalid");
            }
        }

        return errors;
    }

    /// <summary>
    /// Merges a schema segment into the schema as editors merge JsonSchemaSegment items: objects deeply, the lists of
    /// <c>anyOf</c>, <c>allOf</c>, <c>oneOf</c>, <c>required</c> and <c>examples</c> joined, any other value kept as first seen.
    /// </summary>
    private static void Merge(JsonObject target, JsonObject segment)
    {
        foreach (var (name, value) in segment.ToList())
        {
            if (!target.TryGetPropertyValue(name, out var existing) || existing is null)
            {
                target[name] = value?.DeepClone();
            }
            else if (existing is JsonObject existingObject && value is JsonObject valueObject)
            {
                Merge(existingObject, valueObject);
            }
            else if (existing is JsonArray existingArray && value is JsonArray valueArray && name is "anyOf" or "allOf" or "oneOf" or "required" or "examples")
            {
                foreach (var element in valueArray)
                {
                    existingArray.Add(element?.DeepClone());
                }
            }
        }
    }

    /// <summary>The schema segments a sample's project adds with <c>JsonSchemaSegment</c> items.</summary>
    private static List<string> SchemaSegmentsOf(string directory)
    {
        var segments = new List<string>();
        foreach (var project in Directory.EnumerateFiles(directory, "*.csproj"))
        {
            foreach (Match match in SchemaSegmentItem().Matches(File.ReadAllText(project)))
            {
                segments.Add(File.ReadAllText(Path.Combine(directory, match.Groups[1].Value)));
            }
        }

        return segments;
    }

    private static IEnumerable<string> JsonBlocksWithBalancer(string markdown)
    {
        foreach (Match match in JsonBlock().Matches(markdown))
        {
            var block = match.Groups[1].Value.Trim();
            if (block.Contains("\"Balancer\"", StringComparison.Ordinal))
            {
                // A fragment that starts with "Balancer": is shown without its enclosing braces.
                yield return block.StartsWith('{') ? block : "{" + block + "}";
            }
        }
    }

    [GeneratedRegex("<JsonSchemaSegment\\s+Include=\"([^\"]+)\"")]
    private static partial Regex SchemaSegmentItem();

    [GeneratedRegex("```json\\r?\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
