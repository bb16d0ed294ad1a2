using System.Runtime.ExceptionServices;
using Golem.VmImages.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Fetching;

/// <summary>A body ran past the length its response announced (a 206 beyond its <c>Content-Range</c>): nothing beyond it is written.</summary>
internal sealed class BodyOverrunException(string message) : IOException(message);

/// <summary>Writing to the partial file failed (disk full, I/O error); not a network failure.</summary>
internal sealed class DiskWriteException(string message, Exception innerException) : IOException(message, innerException);

/// <summary>
/// Copies a body into a file while hashing it, through the library's overlapped read loop (<see cref="OverlappedRead"/>):
/// while the next buffer fills from the source (many socket reads, each checked against the limits before its bytes
/// count), the sink starts the current buffer's positional write, hashes the same buffer while the write is in flight,
/// then awaits the write. Bytes are hashed and written in order, so the hasher's state always covers exactly the bytes
/// at <c>[0, offset)</c> of the file.
/// </summary>
internal static class TransferPipeline
{
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
        var sink = new FileSink(context, new WriteBack(context.File, context.Offset, context.WriteBackInterval), cancellationToken);
        try
        {
            // Each fill runs on the pool: a socket with data waiting completes its reads synchronously, so a fill
            // started inline would copy the whole buffer before the sink could hash and write the previous one.
            await OverlappedRead.CustomAsync(
                static (body, offset, buffer, token) => new ValueTask<int>(Task.Run(() => body.FillAsync(offset, buffer, token).AsTask(), token)),
                new BodyReader(source, context),
                sink,
                context.BufferSize,
                cancellationToken).ConfigureAwait(false);
            return sink.Offset;
        }
        finally
        {
            context.Observer.OnWriteBackHints(sink.WriteBack.Hints);
        }
    }

    /// <summary>
    /// Fills each buffer from the body (the socket hands out small pieces) so the hasher and the disk see large
    /// blocks, checking every read against the announced and the maximum length before its bytes count.
    /// </summary>
    private sealed class BodyReader(Stream source, TransferContext context)
    {
        private Exception? _deferred;

        /// <summary>Fills <paramref name="buffer"/>; returns fewer bytes only at the end of the body or before a failure, which the next call throws.</summary>
        public async ValueTask<int> FillAsync(long read, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (_deferred is { } failure)
            {
                _deferred = null;
                ExceptionDispatchInfo.Throw(failure);
            }

            var start = context.Offset + read;
            var filled = 0;
            try
            {
                while (filled < buffer.Length)
                {
                    var count = await source.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
                    if (count == 0)
                    {
                        break;
                    }

                    var end = start + filled + count;
                    if (context.AnnouncedLength is { } announced && end > announced)
                    {
                        throw new BodyOverrunException(ErrorMessages.BodyBeyondAnnouncedLength(context.Url, announced, end));
                    }

                    if (end > context.MaxLength)
                    {
                        throw new ImageTooLargeException(context.Url, context.MaxLength, end);
                    }

                    filled += count;
                    context.Observer.OnRead(count);
                }
            }
            catch (Exception ex) when (filled > 0)
            {
                // Keep what arrived before the failure: it is hashed and written, so a resume starts after it.
                _deferred = ex;
            }

            return filled;
        }
    }

    /// <summary>Writes each buffer at its offset while hashing it, then tells the observer the file grew.</summary>
    private sealed class FileSink(TransferContext context, WriteBack writeBack, CancellationToken cancellationToken) : IReadSink
    {
        public WriteBack WriteBack => writeBack;

        /// <summary>Gets the file offset the hasher and the file both cover.</summary>
        public long Offset { get; private set; } = context.Offset;

        public async ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.FreeSpace?.BeforeWrite(Offset, data.Length);
            var write = WriteAsync(context.File, data, Offset, writeBack);
            context.Hasher.Append(data.Span);
            await write.ConfigureAwait(false);
            Offset += data.Length;
            context.Observer.OnCommitted(Offset);
        }

        private static async Task WriteAsync(SafeFileHandle file, ReadOnlyMemory<byte> data, long offset, WriteBack writeBack)
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
    }
}
