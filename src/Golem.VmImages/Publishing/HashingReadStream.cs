using System.Buffers;
using System.Threading.Channels;

namespace Golem.VmImages.Publishing;

/// <summary>
/// A read-only stream over a file that hashes every byte it yields, reading and hashing ahead on another thread so
/// hashing overlaps whatever the reader does with the bytes (an upload). The file is read exactly once.
/// </summary>
internal sealed class HashingReadStream : Stream
{
    private const int BlockSize = 1 << 20;
    private const int BlocksAhead = 4;

    private readonly Channel<Block> _blocks = Channel.CreateBounded<Block>(new BoundedChannelOptions(BlocksAhead) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly IProgress<long>? _progress;
    private readonly Task _producer;
    private Block _current;
    private int _offset;
    private long _position;
    private bool _end;
    private int _disposed;

    public HashingReadStream(string path, long length, ImageHasher hasher, IProgress<long>? progress)
    {
        Length = length;
        _progress = progress;
        _producer = Task.Run(() => ProduceAsync(path, hasher, _stop.Token));
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

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!EnsureBlock(out var pending))
        {
            if (!pending.AsTask().GetAwaiter().GetResult())
            {
                return 0;
            }
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!EnsureBlock(out var pending) && !await pending.ConfigureAwait(false))
        {
            return 0;
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>Writes the read-ahead blocks themselves to <paramref name="destination"/>, without copying them into a buffer of <paramref name="bufferSize"/> first.</summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ValidateCopyToArguments(destination, bufferSize);
        while (EnsureBlock(out var pending) || await pending.ConfigureAwait(false))
        {
            var count = _current.Count - _offset;
            await destination.WriteAsync(_current.Buffer.AsMemory(_offset, count), cancellationToken).ConfigureAwait(false);
            Advance(count);
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

        await _stop.CancelAsync().ConfigureAwait(false);
        while (_blocks.Reader.TryRead(out var block))
        {
            block.Return();
        }

        try
        {
            await _producer.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ChannelClosedException or UnauthorizedAccessException)
        {
        }

        while (_blocks.Reader.TryRead(out var block))
        {
            block.Return();
        }

        _current.Return();
        _current = default;
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

    /// <summary>Returns true when a block with unread bytes is current; otherwise <paramref name="pending"/> fetches the next one.</summary>
    private bool EnsureBlock(out ValueTask<bool> pending)
    {
        pending = default;
        if (_current.Buffer is not null && _offset < _current.Count)
        {
            return true;
        }

        if (_end)
        {
            pending = ValueTask.FromResult(false);
            return false;
        }

        pending = NextBlockAsync();
        return false;
    }

    private async ValueTask<bool> NextBlockAsync()
    {
        _current.Return();
        _current = default;
        _offset = 0;
        if (!await _blocks.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _blocks.Reader.Completion.ConfigureAwait(false);
            _end = true;
            return false;
        }

        _current = await _blocks.Reader.ReadAsync().ConfigureAwait(false);
        return true;
    }

    private int CopyOut(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _current.Count - _offset);
        _current.Buffer.AsSpan(_offset, count).CopyTo(destination);
        Advance(count);
        return count;
    }

    private void Advance(int count)
    {
        _offset += count;
        _position += count;
        _progress?.Report(_position);
    }

    private async Task ProduceAsync(string path, ImageHasher hasher, CancellationToken cancellationToken)
    {
        try
        {
            using var file = new FileStream(path, new FileStreamOptions { Access = FileAccess.Read, Share = FileShare.Read, Options = FileOptions.SequentialScan | FileOptions.Asynchronous, BufferSize = 0 });
            long total = 0;
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
                int count;
                try
                {
                    count = await file.ReadAtLeastAsync(buffer.AsMemory(0, BlockSize), BlockSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    if (count == 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        break;
                    }

                    hasher.Append(buffer.AsSpan(0, count));
                    total += count;
                    if (total > Length)
                    {
                        throw new IOException(ErrorMessages.SourceChanged(path, Length));
                    }

                    await _blocks.Writer.WriteAsync(new Block(buffer, count), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
            }

            if (total != Length)
            {
                throw new IOException(ErrorMessages.SourceChanged(path, Length));
            }

            _blocks.Writer.Complete();
        }
        catch (Exception ex)
        {
            _blocks.Writer.Complete(ex);
        }
    }

    private readonly record struct Block(byte[] Buffer, int Count)
    {
        public void Return()
        {
            if (Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
            }
        }
    }
}
