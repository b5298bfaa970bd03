namespace Balancer.Client.Etcd.Tests.Infrastructure;

/// <summary>
/// A handler whose connection can be cut, as by a network partition or a crash: while cut, new requests fail and the
/// bodies of responses under way (a watch stream) break; <see cref="Heal"/> lets requests through again.
/// </summary>
internal sealed class CuttableHandler : DelegatingHandler
{
    private CancellationTokenSource _cut = new();

    public CuttableHandler()
    {
    }

    public CuttableHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    public bool IsCut => Volatile.Read(ref _cut).IsCancellationRequested;

    public void Cut() => Volatile.Read(ref _cut).Cancel();

    public void Heal() => Volatile.Write(ref _cut, new CancellationTokenSource());

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var cut = Volatile.Read(ref _cut).Token;
        if (cut.IsCancellationRequested)
        {
            throw new HttpRequestException("Connection cut (test).");
        }

        var response = await base.SendAsync(request, cancellationToken);
        var body = new CuttableStream(await response.Content.ReadAsStreamAsync(cancellationToken), cut);
        var content = new StreamContent(body);
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = content;
        return response;
    }

    private sealed class CuttableStream(Stream inner, CancellationToken cut) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cut);
            try
            {
                return await inner.ReadAsync(buffer, linked.Token);
            }
            catch (OperationCanceledException) when (cut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException("Connection cut (test).");
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
