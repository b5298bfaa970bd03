namespace Balancer.Client.AspNetCore.Internal;

/// <summary>The dashboard page, an embedded resource read once.</summary>
internal static class DashboardPage
{
    private const string ResourceName = "Balancer.Client.AspNetCore.dashboard.html";

    private static readonly Lazy<ReadOnlyMemory<byte>> s_content = new(Load);

    public static ReadOnlyMemory<byte> Content => s_content.Value;

    private static ReadOnlyMemory<byte> Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The dashboard page (resource {ResourceName}) is missing from {typeof(DashboardPage).Assembly.GetName().Name}.");
        using var buffer = new MemoryStream((int)stream.Length);
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
