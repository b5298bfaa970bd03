using System.Net;
using Balancer.Client.Feedback;
using Grpc.Core;

namespace Balancer.Client.Grpc.Internal;

/// <summary>
/// Sits inside the channel's handler chain, after the pick: claims the call's tracker and reports the call's outcome
/// when it is known. A trailers-only response (an error status) ends the call at once; otherwise the response body is
/// watched, and the call ends when it is read to its end (the status in the trailers) or disposed before that. The
/// latency recorded is the time to the response headers, so that a long stream does not read as a slow endpoint.
/// </summary>
internal sealed class GrpcFeedbackHandler : DelegatingHandler
{
    public GrpcFeedbackHandler()
    {
    }

    public GrpcFeedbackHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    // Not async: the response is handled in the tracker's completion, which the channel calls right after the response
    // arrived and before it reads the body (grpc-dotnet's BalancerHttpHandler awaits this task, then completes the
    // tracker, then returns the response). That saves a state machine per call.
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(GrpcBalancerKeys.Tracker, out var tracker))
        {
            return base.SendAsync(request, cancellationToken);
        }

        tracker.Claim();
        Task<HttpResponseMessage> sent;
        try
        {
            sent = base.SendAsync(request, cancellationToken);
        }
        catch (Exception exception)
        {
            OnFailure(tracker, request, exception);
            throw;
        }

        tracker.Sent(sent);
        return sent;
    }

    /// <summary>The response headers arrived: a trailers-only response or an HTTP error ends the call, a body is watched.</summary>
    internal static void OnResponse(GrpcCallTracker tracker, HttpResponseMessage response)
    {
        var headersAt = tracker.State.TimeProvider.GetTimestamp();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var (outcome, backPressure) = GrpcOutcomes.FromHttpStatus(response.StatusCode);
            End(tracker, response, outcome, backPressure, headersAt);
            return;
        }

        if (GrpcOutcomes.TryGetStatus(response.Headers, out var status))
        {
            // Trailers-only: the call is over (an error status, or an empty stream).
            ReadLoadReport(tracker, response.Headers);
            var (outcome, backPressure) = GrpcOutcomes.FromStatus(status);
            End(tracker, response, outcome, backPressure, headersAt);
            return;
        }

        response.Content = new TrackedContent(response.Content, tracker, response, headersAt);
    }

    /// <summary>The call failed before a response: refused, reset, timed out, or canceled.</summary>
    internal static void OnFailure(GrpcCallTracker tracker, HttpRequestMessage? request, Exception exception)
    {
        var time = tracker.State.TimeProvider;
        var now = time.GetTimestamp();
        var (outcome, backPressure) = GrpcOutcomes.FromException(exception, request, tracker.StartTimestamp, now, time.TimestampFrequency);
        tracker.Finish(null, exception, outcome, backPressure, now);
        tracker.Release();
    }

    internal static void End(GrpcCallTracker tracker, HttpResponseMessage? response, AttemptOutcome outcome, bool backPressure, long latencyEnd)
    {
        tracker.Finish(response, null, outcome, backPressure, latencyEnd);
        tracker.Release();
    }

    internal static void ReadLoadReport(GrpcCallTracker tracker, System.Net.Http.Headers.HttpHeaders headers)
    {
        var state = tracker.State;
        if (headers.NonValidated.TryGetValues(OrcaBinaryParser.TrailerName, out var binary))
        {
            foreach (var value in binary)
            {
                if (OrcaBinaryParser.TryParse(value, state.TimeProvider.GetUtcNow(), out var report))
                {
                    state.Tracker.RecordServerLoad(tracker.Endpoint, report!, state.TimeProvider.GetTimestamp());
                    return;
                }
            }
        }

        if (headers.NonValidated.TryGetValues(OrcaLoadReportParser.HeaderName, out var text)
            && OrcaLoadReportParser.TryParse(text.ToString(), state.TimeProvider.GetUtcNow(), out var textReport))
        {
            state.Tracker.RecordServerLoad(tracker.Endpoint, textReport!, state.TimeProvider.GetTimestamp());
        }
    }

    /// <summary>The response body, watched for its end: read to the end, failed, or disposed early.</summary>
    private sealed class TrackedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly GrpcCallTracker _tracker;
        private readonly HttpResponseMessage _response;
        private readonly long _headersAt;
        private int _ended;

        public TrackedContent(HttpContent inner, GrpcCallTracker tracker, HttpResponseMessage response, long headersAt)
        {
            _inner = inner;
            _tracker = tracker;
            _response = response;
            _headersAt = headersAt;
            foreach (var header in inner.Headers.NonValidated)
            {
                // One value (content-type, typically) is stored as a string: no enumeration, no boxing.
                if (header.Value.Count == 1)
                {
                    Headers.TryAddWithoutValidation(header.Key, header.Value.ToString());
                }
                else
                {
                    Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
        }

        public void EndOfStream()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            ReadLoadReport(_tracker, _response.TrailingHeaders);
            var (outcome, backPressure) = GrpcOutcomes.TryGetStatus(_response.TrailingHeaders, out var status)
                ? GrpcOutcomes.FromStatus(status)
                : (AttemptOutcome.Failure, false); // a body that ends without a status was cut off
            End(_tracker, _response, outcome, backPressure, _headersAt);
        }

        public void Failed(Exception exception)
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            var state = _tracker.State;
            var (outcome, backPressure) = GrpcOutcomes.FromException(exception, _response.RequestMessage, _tracker.StartTimestamp, state.TimeProvider.GetTimestamp(), state.TimeProvider.TimestampFrequency);
            _tracker.Finish(_response, exception, outcome, backPressure, _headersAt);
            _tracker.Release();
        }

        public void Abandoned()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            // Disposed before its end: the caller stopped reading (a canceled stream), not the endpoint's doing.
            End(_tracker, _response, AttemptOutcome.Canceled, false, _headersAt);
        }

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
        {
            var read = _inner.ReadAsStreamAsync(cancellationToken);
            return read.IsCompletedSuccessfully ? Task.FromResult<Stream>(new TrackedStream(read.Result, this)) : WrapAsync(read);
        }

        private async Task<Stream> WrapAsync(Task<Stream> read) => new TrackedStream(await read.ConfigureAwait(false), this);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Abandoned();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class TrackedStream(Stream inner, TrackedContent content) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = inner.Read(buffer);
            }
            catch (Exception exception)
            {
                content.Failed(exception);
                throw;
            }

            if (read == 0 && buffer.Length > 0)
            {
                content.EndOfStream();
            }

            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ValueTask<int> pending;
            try
            {
                pending = inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception exception)
            {
                content.Failed(exception);
                throw;
            }

            if (!pending.IsCompletedSuccessfully)
            {
                return AwaitAsync(pending, buffer.Length);
            }

            var read = pending.Result;
            if (read == 0 && buffer.Length > 0)
            {
                content.EndOfStream();
            }

            return new ValueTask<int>(read);
        }

        private async ValueTask<int> AwaitAsync(ValueTask<int> pending, int length)
        {
            int read;
            try
            {
                read = await pending.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                content.Failed(exception);
                throw;
            }

            if (read == 0 && length > 0)
            {
                content.EndOfStream();
            }

            return read;
        }

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
                content.Abandoned();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            content.Abandoned();
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
