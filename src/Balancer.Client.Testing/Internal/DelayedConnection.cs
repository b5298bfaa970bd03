using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Balancer.Client.Testing.Internal;

/// <summary>
/// One connection through a <see cref="DelayProxy"/>: after the establishment delay it connects to the target, then
/// each direction is a delay line: a reader stamps every chunk (and the end or reset of the stream) with the time it
/// is due, never earlier than the chunk before, and a writer delivers them in order when due.
/// </summary>
internal sealed class DelayedConnection(Socket client, IPEndPoint target, Func<TimeSpan> upstreamDelay, Func<TimeSpan> downstreamDelay)
{
    private const int ChunkSize = 16 * 1024;

    public async Task RunAsync(TimeSpan establishment, CancellationToken cancellationToken)
    {
        var upstream = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var graceful = false;
        try
        {
            if (establishment > TimeSpan.Zero)
            {
                await Task.Delay(establishment, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await upstream.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                Abort(client);
                return;
            }

            using var reset = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAll(
                PumpAsync(client, upstream, upstreamDelay, reset),
                PumpAsync(upstream, client, downstreamDelay, reset)).ConfigureAwait(false);
            graceful = !reset.IsCancellationRequested;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The proxy stops.
        }
        finally
        {
            // Both sides closed in turn: let the last bytes and closes go out; otherwise reset both sides.
            Close(client, graceful);
            Close(upstream, graceful);
        }
    }

    private static async Task PumpAsync(Socket source, Socket destination, Func<TimeSpan> delay, CancellationTokenSource reset)
    {
        var chunks = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = WriteAsync(chunks.Reader, destination, reset);
        long lastDue = 0;
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                int read;
                try
                {
                    read = await source.ReceiveAsync(buffer, SocketFlags.None, reset.Token).ConfigureAwait(false);
                }
                catch (Exception) when (!reset.IsCancellationRequested)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    chunks.Writer.TryWrite(new Chunk(null, -1, Due(delay, ref lastDue)));
                    return;
                }
                catch (Exception)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return;
                }

                if (read == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    chunks.Writer.TryWrite(new Chunk(null, 0, Due(delay, ref lastDue)));
                    return;
                }

                chunks.Writer.TryWrite(new Chunk(buffer, read, Due(delay, ref lastDue)));
            }
        }
        finally
        {
            chunks.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(ChannelReader<Chunk> chunks, Socket destination, CancellationTokenSource reset)
    {
        try
        {
            await foreach (var chunk in chunks.ReadAllAsync(reset.Token).ConfigureAwait(false))
            {
                try
                {
                    // Timers may fire a little early (their clock ticks in milliseconds): wait again until the chunk is due.
                    TimeSpan wait;
                    while ((wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), chunk.Due)) > TimeSpan.Zero)
                    {
                        await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, reset.Token).ConfigureAwait(false);
                    }

                    switch (chunk.Length)
                    {
                        case > 0:
                            await destination.SendAsync(chunk.Buffer.AsMemory(0, chunk.Length), SocketFlags.None, reset.Token).ConfigureAwait(false);
                            break;
                        case 0:
                            destination.Shutdown(SocketShutdown.Send);
                            break;
                        default:
                            await reset.CancelAsync().ConfigureAwait(false);
                            break;
                    }
                }
                catch (Exception) when (!reset.IsCancellationRequested)
                {
                    await reset.CancelAsync().ConfigureAwait(false);
                }
                finally
                {
                    if (chunk.Buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Buffer);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Reset or stopped: the connection is aborted.
        }
        finally
        {
            // Chunks not delivered give their buffers back.
            while (chunks.TryRead(out var left))
            {
                if (left.Buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(left.Buffer);
                }
            }
        }
    }

    private static long Due(Func<TimeSpan> delay, ref long lastDue)
    {
        var due = Stopwatch.GetTimestamp() + (long)(delay().TotalSeconds * Stopwatch.Frequency);
        lastDue = Math.Max(due, lastDue);
        return lastDue;
    }

    private static void Close(Socket socket, bool graceful)
    {
        if (graceful)
        {
            socket.Dispose();
        }
        else
        {
            Abort(socket);
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception)
        {
            // Already closed.
        }

        socket.Dispose();
    }

    private readonly record struct Chunk(byte[]? Buffer, int Length, long Due);
}
