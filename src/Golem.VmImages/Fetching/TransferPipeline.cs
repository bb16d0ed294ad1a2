using System.Buffers;
using System.Threading.Channels;

namespace Golem.VmImages.Fetching;

/// <summary>A body ran past the length its response announced (a 206 beyond its <c>Content-Range</c>): nothing beyond it is written.</summary>
internal sealed class BodyOverrunException(string message) : IOException(message);

/// <summary>Writing to the partial file failed (disk full, I/O error); not a network failure.</summary>
internal sealed class DiskWriteException(string message, Exception innerException) : IOException(message, innerException);

/// <summary>
/// Copies a body into a file while hashing it, with the three stages overlapped: a reader task fills pooled buffers
/// from the source and queues them (bounded, so memory stays flat); the consumer starts each buffer's positional
/// write, hashes the same buffer while the write is in flight, then awaits the write. Bytes are hashed and written in
/// order, so the hasher's state always covers exactly the bytes at <c>[0, offset)</c> of the file.
/// </summary>
internal static class TransferPipeline
{
    private const int QueueDepth = 3;

    /// <summary>Copies <paramref name="source"/> into the context's file from its offset; returns the new offset.</summary>
    /// <exception cref="ImageTooLargeException">The body would take the file beyond <see cref="TransferContext.MaxLength"/>.</exception>
    /// <exception cref="BodyOverrunException">The body would take the file beyond <see cref="TransferContext.AnnouncedLength"/>.</exception>
    /// <exception cref="FreeSpaceReserveException">A write would take the volume below its reserve (<see cref="TransferContext.FreeSpace"/>).</exception>
    /// <remarks>
    /// The write stage also starts the kernel's write-back every <see cref="TransferContext.WriteBackInterval"/> bytes
    /// (see <see cref="WriteBack"/>), on the write's own thread, so the disk keeps up with the download instead of
    /// taking the whole file in the final flush; the hasher never waits for it.
    /// </remarks>
    public static async Task<long> CopyAsync(Stream source, TransferContext context, CancellationToken cancellationToken)
    {
        var file = context.File;
        var offset = context.Offset;
        var hasher = context.Hasher;
        var observer = context.Observer;
        var writeBack = new WriteBack(file, offset, context.WriteBackInterval);
        var channel = Channel.CreateBounded<(byte[] Buffer, int Count)>(new BoundedChannelOptions(QueueDepth)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        using var stopReader = new CancellationTokenSource();
        using var readToken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopReader.Token);
        var reader = Task.Run(() => ReadAsync(source, channel.Writer, context, readToken.Token, stopReader.Token), CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    try
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        context.FreeSpace?.BeforeWrite(offset, item.Count);
                        var write = WriteAsync(file, item.Buffer.AsMemory(0, item.Count), offset, writeBack);
                        hasher.Append(item.Buffer.AsSpan(0, item.Count));
                        await write.ConfigureAwait(false);
                        offset += item.Count;
                        observer.OnCommitted(offset);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(item.Buffer);
                    }
                }
            }

            await reader.ConfigureAwait(false);
            observer.OnWriteBackHints(writeBack.Hints);
            return offset;
        }
        catch
        {
            observer.OnWriteBackHints(writeBack.Hints);
            await stopReader.CancelAsync().ConfigureAwait(false);
            try
            {
                await reader.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException or ImageDownloadException or ObjectDisposedException)
            {
                // The consumer's failure is the one reported.
            }
            finally
            {
                // Return the queued buffers whatever the reader ended with: the reader has stopped, so nothing is added after this.
                while (channel.Reader.TryRead(out var item))
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }

            throw;
        }
    }

    private static async Task WriteAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, ReadOnlyMemory<byte> data, long offset, WriteBack writeBack)
    {
        try
        {
            await RandomAccess.WriteAsync(file, data, offset, CancellationToken.None).ConfigureAwait(false);
            writeBack.OnWritten(offset + data.Length);
        }
        catch (IOException ex)
        {
            throw new DiskWriteException(ErrorMessages.DiskWriteFailed(offset, ex.Message), ex);
        }
    }

    private static async Task ReadAsync(
        Stream source, ChannelWriter<(byte[] Buffer, int Count)> writer, TransferContext context, CancellationToken cancellationToken, CancellationToken stopToken)
    {
        var (offset, maxLength, announcedLength, url, bufferSize, observer) = (context.Offset, context.MaxLength, context.AnnouncedLength, context.Url, context.BufferSize, context.Observer);
        Exception? failure = null;
        try
        {
            var end = false;
            while (!end)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
                var filled = 0;
                try
                {
                    // Fill the buffer (the socket hands out small pieces) so the hasher and the disk see large blocks.
                    while (filled < bufferSize)
                    {
                        var read = await source.ReadAsync(buffer.AsMemory(filled, bufferSize - filled), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            end = true;
                            break;
                        }

                        if (announcedLength is { } announced && offset + filled + read > announced)
                        {
                            throw new BodyOverrunException(ErrorMessages.BodyBeyondAnnouncedLength(url, announced, offset + filled + read));
                        }

                        if (offset + filled + read > maxLength)
                        {
                            throw new ImageTooLargeException(url, maxLength, offset + filled + read);
                        }

                        filled += read;
                        observer.OnRead(read);
                    }
                }
                catch
                {
                    if (filled > 0)
                    {
                        // Keep what arrived before the failure: it is hashed and written, so a resume starts after it.
                        await EnqueueAsync(writer, buffer, filled, stopToken).ConfigureAwait(false);
                    }
                    else
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    throw;
                }

                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                offset += filled;
                await EnqueueAsync(writer, buffer, filled, stopToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    private static async ValueTask EnqueueAsync(ChannelWriter<(byte[] Buffer, int Count)> writer, byte[] buffer, int count, CancellationToken stopToken)
    {
        try
        {
            await writer.WriteAsync((buffer, count), stopToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
