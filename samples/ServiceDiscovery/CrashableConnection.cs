namespace ServiceDiscovery;

/// <summary>
/// An instance's connection to etcd, which the sample can cut to play a crash: once cut, every call fails, so the
/// registration's renewals stop and its revoke on dispose cannot reach etcd either (as when the process dies), and the
/// key stays until its lease expires.
/// </summary>
internal sealed class CrashableConnection() : DelegatingHandler(new SocketsHttpHandler())
{
    private volatile bool _crashed;

    public void Crash() => _crashed = true;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _crashed
            ? Task.FromException<HttpResponseMessage>(new HttpRequestException("The instance crashed."))
            : base.SendAsync(request, cancellationToken);
}
