namespace Balancer.Client.Endpoints;

/// <summary>How a balanced client treats the endpoints its <see cref="IEndpointSource"/>s publish.</summary>
public sealed class EndpointSourceOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether an empty publication empties the source's endpoints. When off, an empty
    /// set is treated as a failed refresh and the last good set stays, so a registry or DNS answer that comes back empty
    /// by mistake never leaves the client without endpoints.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AcceptEmpty { get; set; }

    /// <summary>
    /// Gets or sets how long a request waits for the first endpoints when the client has none yet and its sources have
    /// not published. After it, the request fails with a <see cref="NoAvailableEndpointException"/> that says so.
    /// </summary>
    /// <value>The default value is 5 seconds; allowed from zero to 5 minutes.</value>
    public TimeSpan InitialTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
