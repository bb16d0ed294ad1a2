using System.Buffers;
using System.Net;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Registry.Push;

/// <summary>
/// A request body read straight from a range of an open file (positional reads, so parallel chunks share one handle),
/// reporting each piece sent; a new instance per attempt, so a retry sends the range again from its start.
/// </summary>
internal sealed class FileRangeContent(SafeFileHandle file, string path, long offset, long byteCount, Action<long>? sent) : HttpContent
{
    private const int BufferSize = 256 * 1024;

    /// <summary>Gets how many bytes this instance has written to the request so far.</summary>
    public long BytesSent { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var position = 0L;
            while (position < byteCount)
            {
                var wanted = (int)Math.Min(BufferSize, byteCount - position);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, wanted), offset + position, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException(ErrorMessages.PushFileShorter(path, offset + position, offset + byteCount));
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                position += read;
                BytesSent += read;
                sent?.Invoke(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = byteCount;
        return true;
    }
}
