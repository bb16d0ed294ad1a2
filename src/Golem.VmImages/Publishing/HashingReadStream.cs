using System.Threading.Channels;
using Golem.VmImages.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Golem.VmImages.Publishing;

/// <summary>
/// A read-only stream over the first <see cref="Length"/> bytes of a file for an upload: <see cref="OverlappedRead"/>
/// reads ahead (the next read in flight while the reader takes this buffer) and hands each buffer to the reader, and a
/// hasher, when given, hashes it while the reader sends it, so hashing overlaps the upload. The file is read exactly
/// once, through the handle opened here, which <see cref="Identify"/> also reads the file's identity through.
/// </summary>
internal sealed class HashingReadStream : Stream, IReadSink
{
    private const int BufferSize = 1 << 20;

    private readonly Channel<ReadOnlyMemory<byte>> _offered = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _taken = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _path;
    private readonly SafeFileHandle _handle;
    private readonly ImageHasher? _hasher;
    private readonly IProgress<long>? _progress;
    private readonly Task _producer;
    private ReadOnlyMemory<byte> _current;
    private bool _holding;
    private long _position;
    private bool _end;
    private int _disposed;

    /// <summary>Opens the file; reading starts at once.</summary>
    /// <param name="path">The file.</param>
    /// <param name="length">How many bytes the file must have, as when publishing started.</param>
    /// <param name="hasher">Receives every byte the reader is given, or <see langword="null"/> when the hash is already known.</param>
    /// <param name="progress">Receives the bytes given to the reader so far.</param>
    public HashingReadStream(string path, long length, ImageHasher? hasher, IProgress<long>? progress)
    {
        _path = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
        Length = length;
        _hasher = hasher;
        _progress = progress;
        _producer = Task.Run(ProduceAsync);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads the identity of the file being read, through its open handle.</summary>
    public FileIdentity Identify() => FileIdentity.Of(_path, _handle);

    /// <summary>
    /// Returns whether the reader took exactly the file's bytes, once reading and hashing have finished; throws what
    /// the read-ahead hit (a read error, a file that grew or shrank).
    /// </summary>
    public async Task<bool> FinishAsync()
    {
        var extra = new byte[1];
        var more = await ReadAsync(extra).ConfigureAwait(false);
        await _producer.ConfigureAwait(false);
        return more == 0 && _position == Length;
    }

    /// <summary>Offers a buffer the read-ahead filled to the reader, hashes it meanwhile, and returns once the reader is done with it.</summary>
    async ValueTask IReadSink.ConsumeAsync(ReadOnlyMemory<byte> data)
    {
        await _offered.Writer.WriteAsync(data, _stop.Token).ConfigureAwait(false);
        _hasher?.Append(data.Span);
        await _taken.WaitAsync(_stop.Token).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!HasUnread() && !NextBufferAsync().AsTask().GetAwaiter().GetResult())
        {
            return 0;
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!HasUnread() && !await NextBufferAsync().ConfigureAwait(false))
        {
            return 0;
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>Writes the read-ahead buffers themselves to <paramref name="destination"/>, without copying them into a buffer of <paramref name="bufferSize"/> first.</summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ValidateCopyToArguments(destination, bufferSize);
        while (HasUnread() || await NextBufferAsync().ConfigureAwait(false))
        {
            var unread = _current;
            await destination.WriteAsync(unread, cancellationToken).ConfigureAwait(false);
            Advance(unread.Length);
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
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The read-ahead stops, waits for its read in flight and takes its buffers back; then the handle can close.
        await _stop.CancelAsync().ConfigureAwait(false);
        await _producer.ConfigureAwait(false);
        _current = default;
        _handle.Dispose();
        _taken.Dispose();
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Volatile.Read(ref _disposed) == 0)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private bool HasUnread() => !_current.IsEmpty;

    /// <summary>Gives the buffer just read back to the read-ahead and waits for the next one; false at the end of the file.</summary>
    private async ValueTask<bool> NextBufferAsync()
    {
        if (_holding)
        {
            _holding = false;
            _taken.Release();
        }

        if (_end || !await _offered.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _offered.Reader.Completion.ConfigureAwait(false);
            _end = true;
            return false;
        }

        _holding = _offered.Reader.TryRead(out _current);
        return _holding;
    }

    private int CopyOut(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _current.Length);
        _current.Span[..count].CopyTo(destination);
        Advance(count);
        return count;
    }

    private void Advance(int count)
    {
        _current = _current[count..];
        _position += count;
        _progress?.Report(_position);
    }

    private async Task ProduceAsync()
    {
        try
        {
            var read = await OverlappedRead.FileRangeAsync(_handle, Length, this, null, BufferSize, _stop.Token).ConfigureAwait(false);
            if (read != Length || RandomAccess.GetLength(_handle) != Length)
            {
                throw new IOException(ErrorMessages.SourceChanged(_path, Length));
            }

            _offered.Writer.Complete();
        }
        catch (Exception ex)
        {
            _offered.Writer.Complete(ex);
        }
    }
}
