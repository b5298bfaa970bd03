using System.Text.Json;
using System.Text.Json.Serialization;

namespace Balancer.Client.AspNetCore.Internal;

/// <summary>Source-generated JSON for the dashboard's snapshot documents (camelCase, no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SnapshotDocument))]
[JsonSerializable(typeof(ClientDocument))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
