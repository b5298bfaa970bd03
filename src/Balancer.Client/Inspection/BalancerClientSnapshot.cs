namespace Balancer.Client.Inspection;

/// <summary>How one balanced client saw its endpoints at one moment (see <see cref="IBalancerInspector"/>).</summary>
public sealed record BalancerClientSnapshot
{
    /// <summary>Gets the client name.</summary>
    public required string ClientName { get; init; }

    /// <summary>Gets what the client balances: <c>HTTP</c> (a balanced <see cref="HttpClient"/>) or <c>gRPC</c> (a grpc-dotnet channel).</summary>
    public string Transport { get; init; } = "HTTP";

    /// <summary>Gets the name of the selector in use, such as <c>PeakEwma</c>.</summary>
    public required string SelectorName { get; init; }

    /// <summary>Gets the version of the endpoint set: 1 for the first set, one more for each reload applied.</summary>
    public long EndpointSetVersion { get; init; }

    /// <summary>Gets when the snapshot was taken, from the client's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>
    /// Gets a value indicating whether fewer endpoints than the panic threshold are available, so the client balances
    /// across all of them (or fails fast, with <c>FailFastInPanic</c>).
    /// </summary>
    public bool Panic { get; init; }

    /// <summary>
    /// Gets what the selector's scores mean (<see cref="Selection.IInspectableSelector.ScoreDescription"/>), or
    /// <see langword="null"/> when the selector does not publish scores.
    /// </summary>
    public string? ScoreDescription { get; init; }

    /// <summary>
    /// Gets what the client's endpoint subsetter says of the slice it chose (such as the fleet's members and this
    /// instance's rank), or <see langword="null"/> when the client has none or it says nothing.
    /// </summary>
    public string? Subset { get; init; }

    /// <summary>Gets the endpoints, in the order of the endpoint set.</summary>
    public required IReadOnlyList<EndpointSnapshot> Endpoints { get; init; }
}
