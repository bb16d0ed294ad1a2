using System.Threading.Channels;

namespace Golem.VmImages.Hashing;

/// <summary>
/// The pull form of <see cref="OverlappedRead"/>: a read-only, forward-only stream over <c>source</c> that reads ahead
/// on a pool thread into the loop's pooled buffers, hands each buffer to the sink there (a hasher) and then to whoever
/// reads this stream, so reading, hashing and the reader's own work (decompressing, uploading) overlap. The reader
/// gets exactly the source's bytes in order; what the read-ahead fails with (including what the sink throws) is thrown
/// by the read that reaches it. Disposing stops the read-ahead and disposes <c>source</c>.
/// </summary>
/// <typeparam name="TSink">What sees every buffer before the reader does.</typeparam>
internal sealed class OverlappedReadStream<TSink> : Stream
    where TSink : IReadSink
{
    /// <summary>How many buffers the read-ahead uses: one being read, one being handed to the sink, one the reader holds.</summary>
    public const int Buffers = 3;

    private readonly Channel<Block> _blocks = Channel.CreateUnbounded<Block>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Stream _source;
    private readonly long? _length;
    private readonly Task _producer;
    private Block? _current;
    private int _offset;
    private long _position;
    private bool _end;
    private int _disposed;

    /// <summary>Starts reading <paramref name="source"/> ahead, <paramref name="bufferSize"/> bytes at most per read.</summary>
    /// <param name="source">The stream read; this stream owns it.</param>
    /// <param name="sink">Sees every buffer, in order, on the read-ahead's thread before the reader gets it.</param>
    /// <param name="bufferSize">The size of each pooled buffer.</param>
    /// <param name="length">What <see cref="Length"/> returns (such as a file's length announced to an upload), or null when not known.</param>
    public OverlappedReadStream(Stream source, TSink sink, int bufferSize, long? length = null)
    {
        _source = source;
        Sink = sink;
        _length = length;
        _producer = Task.Run(() => ProduceAsync(sink, bufferSize, _stop.Token), CancellationToken.None);
    }

    /// <summary>Gets the sink; what it computed covers every byte once a read has returned 0.</summary>
    public TSink Sink { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length ?? throw new NotSupportedException();

    /// <summary>Gets how many bytes the reader has taken.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (!HasBytes() && !NextBlockAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult())
        {
            return 0;
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (!HasBytes() && !await NextBlockAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>Writes the read-ahead buffers themselves to <paramref name="destination"/>, without copying them into a buffer of <paramref name="bufferSize"/> first.</summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ValidateCopyToArguments(destination, bufferSize);
        ReadOnlyMemory<byte> data;
        while (!(data = await ReadBufferAsync(cancellationToken).ConfigureAwait(false)).IsEmpty)
        {
            await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the rest of the current read-ahead buffer, or the next one, without copying it: the bytes stay valid until
    /// the next read. Empty at the end of the source.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadBufferAsync(CancellationToken cancellationToken = default)
    {
        if (!HasBytes() && !await NextBlockAsync(cancellationToken).ConfigureAwait(false))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var block = _current!;
        var data = block.Data[_offset..];
        _offset = block.Data.Length;
        _position += data.Length;
        return data;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            StopAsync().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task StopAsync()
    {
        // Release every buffer the reader has not taken: the loop waits for them before it returns them to the pool.
        await _stop.CancelAsync().ConfigureAwait(false);
        _blocks.Writer.TryComplete();
        _current?.Release();
        _current = null;
        while (_blocks.Reader.TryRead(out var block))
        {
            block.Release();
        }

        // The read-ahead's failure, if any, was the reader's to see; disposing only has to wait for it.
        await _producer.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            .ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private bool HasBytes() => _current is { } block && _offset < block.Data.Length;

    /// <summary>Releases the buffer the reader has finished with and takes the next one; false at the end of the source.</summary>
    private async ValueTask<bool> NextBlockAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _current?.Release();
        _current = null;
        _offset = 0;
        if (_end)
        {
            return false;
        }

        if (!await _blocks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Completed: throws what the read-ahead failed with, if it failed.
            await _blocks.Reader.Completion.ConfigureAwait(false);
            _end = true;
            return false;
        }

        _current = await _blocks.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private int CopyOut(Span<byte> destination)
    {
        var block = _current!;
        var count = Math.Min(destination.Length, block.Data.Length - _offset);
        block.Data.Span.Slice(_offset, count).CopyTo(destination);
        _offset += count;
        _position += count;
        return count;
    }

    private async Task ProduceAsync(TSink sink, int bufferSize, CancellationToken cancellationToken)
    {
        try
        {
            await OverlappedRead.StreamAsync(_source, new HandOff(sink, _blocks.Writer), bufferSize, Buffers, cancellationToken).ConfigureAwait(false);
            _blocks.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _blocks.Writer.TryComplete(ex);
        }
    }

    /// <summary>A buffer handed to the reader; the loop reads into it again once the reader releases it.</summary>
    private sealed class Block(ReadOnlyMemory<byte> data)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ReadOnlyMemory<byte> Data => data;

        public Task Released => _released.Task;

        public void Release() => _released.TrySetResult();
    }

    /// <summary>Feeds each buffer to the sink, then queues it for the reader; the buffer is held until the reader releases it.</summary>
    private readonly struct HandOff(TSink sink, ChannelWriter<Block> reader) : IReadSink
    {
        public async ValueTask ConsumeAsync(ReadOnlyMemory<byte> data)
        {
            await sink.ConsumeAsync(data).ConfigureAwait(false);
            var block = new Block(data);
            if (reader.TryWrite(block))
            {
                await block.Released.ConfigureAwait(false);
            }
        }
    }
}
