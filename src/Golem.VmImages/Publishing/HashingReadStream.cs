using Golem.VmImages.Hashing;

namespace Golem.VmImages.Publishing;

/// <summary>
/// A read-only stream over a file for an upload: exactly <see cref="Length"/> bytes, read ahead through
/// <see cref="OverlappedReadStream{TSink}"/> (the next read in flight and the next buffer hashed while the reader sends
/// this one) and appended to a hasher when one is given. The file is read once, through the handle opened here, which
/// <see cref="Identify"/> also reads the file's identity through. A file that grows or shrinks while it is read fails
/// the read that notices it.
/// </summary>
internal sealed class HashingReadStream : Stream
{
    private const int BufferSize = 1 << 20;

    private readonly string _path;
    private readonly FileStream _file;
    private readonly OverlappedReadStream<LengthCheckingSink> _inner;
    private readonly IProgress<long>? _progress;

    /// <summary>Opens the file; reading starts at once.</summary>
    /// <param name="path">The file.</param>
    /// <param name="length">How many bytes the file must have, as when publishing started.</param>
    /// <param name="hasher">Receives every byte the reader is given, or <see langword="null"/> when the hash is already known.</param>
    /// <param name="progress">Receives the bytes given to the reader so far.</param>
    public HashingReadStream(string path, long length, ImageHasher? hasher, IProgress<long>? progress)
    {
        _path = path;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        _inner = new OverlappedReadStream<LengthCheckingSink>(_file, new LengthCheckingSink(path, length, hasher), BufferSize, length);
        _progress = progress;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads the identity of the file being read, through its open handle.</summary>
    public FileIdentity Identify() => FileIdentity.Of(_path, _file.SafeFileHandle);

    /// <summary>
    /// Returns whether the reader took exactly the file's bytes, once reading and hashing have finished; throws what
    /// the read-ahead hit (a read error, a file that grew or shrank).
    /// </summary>
    public async Task<bool> FinishAsync()
    {
        var more = await ReadAsync(new byte[1]).ConfigureAwait(false);
        return more == 0 && Position == Length;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Account(buffer.Length, _inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Account(buffer.Length, await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    /// <summary>Writes the read-ahead buffers themselves to <paramref name="destination"/>, without copying them into a buffer of <paramref name="bufferSize"/> first.</summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ValidateCopyToArguments(destination, bufferSize);
        ReadOnlyMemory<byte> data;
        while (Account(1, (data = await _inner.ReadBufferAsync(cancellationToken).ConfigureAwait(false)).Length) > 0)
        {
            await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        // The read-ahead stops and takes its buffers back, then closes the file.
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reports progress, and at the end checks that the file still has the length the upload announced.</summary>
    private int Account(int wanted, int read)
    {
        if (read > 0)
        {
            _progress?.Report(Position);
        }
        else if (wanted > 0 && (Position != Length || RandomAccess.GetLength(_file.SafeFileHandle) != Length))
        {
            throw new IOException(ErrorMessages.SourceChanged(_path, Length));
        }

        return read;
    }

    /// <summary>Hashes each buffer on the read-ahead's thread and refuses bytes beyond the announced length before the reader sees them.</summary>
    private sealed class LengthCheckingSink(string path, long length, ImageHasher? hasher) : IReadSink
    {
        private long _seen;

        public ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            _seen += data.Length;
            if (_seen > length)
            {
                throw new IOException(ErrorMessages.SourceChanged(path, length));
            }

            hasher?.Append(data.Span);
            return ValueTask.CompletedTask;
        }
    }
}
