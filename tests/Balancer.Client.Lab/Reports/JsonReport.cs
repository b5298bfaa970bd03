using System.Text.Json;
using System.Text.Json.Serialization;

namespace Balancer.Client.Lab;

/// <summary>Writes everything a scenario measured, every run included, as indented JSON.</summary>
internal static class JsonReport
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write(ScenarioReport report) => JsonSerializer.Serialize(report, s_options);
}
