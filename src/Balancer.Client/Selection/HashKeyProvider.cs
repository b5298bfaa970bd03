namespace Balancer.Client.Selection;

/// <summary>
/// Returns the key that the <see cref="EndpointSelectorNames.ConsistentHash"/> selector hashes for a request, as
/// characters: a string (it converts implicitly) or a slice of one, so that no new string has to be built per request.
/// </summary>
/// <param name="request">The request being balanced.</param>
/// <returns>The key; an empty span when the request has none (it is then balanced by <see cref="EndpointSelectorNames.PeakEwma"/>).</returns>
public delegate ReadOnlySpan<char> HashKeyProvider(HttpRequestMessage request);
