namespace Balancer.Client.Testing;

/// <summary>One request as a <see cref="ScriptedBackend"/> received it (see <see cref="ScriptedBackend.Received"/>).</summary>
/// <param name="Method">The HTTP method, such as <c>GET</c>.</param>
/// <param name="PathAndQuery">The request target exactly as sent, such as <c>/api/orders?x=1</c>.</param>
/// <param name="Host">The <c>Host</c> header, or <see langword="null"/> when the request had none.</param>
/// <param name="BodyLength">The number of body bytes received (0 without a body).</param>
/// <param name="BodySha256">The lowercase hexadecimal SHA-256 of the body, or <see langword="null"/> without a body.</param>
public sealed record ReceivedRequest(string Method, string PathAndQuery, string? Host, long BodyLength, string? BodySha256);
