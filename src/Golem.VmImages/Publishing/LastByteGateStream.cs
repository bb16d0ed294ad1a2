namespace Golem.VmImages.Publishing;

/// <summary>
/// A read-only stream that yields all but the last byte of its inner stream, then runs a check before yielding the
/// last one: an upload whose check fails is cut short, so a server never completes it, even one that cannot delete.
/// </summary>
internal sealed class LastByteGateStream(Stream inner, long length, Func<CancellationToken, ValueTask<bool>> check) : Stream
{
    private long _position;

    /// <summary>Gets a value indicating whether the check ran and failed (the upload was cut short on purpose).</summary>
    public bool Refused { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= length)
        {
            return 0;
        }

        if (_position < length - 1)
        {
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - 1 - _position)], cancellationToken).ConfigureAwait(false);
            _position += read;
            return read;
        }

        var last = await inner.ReadAsync(buffer[..1], cancellationToken).ConfigureAwait(false);
        if (last == 0)
        {
            return 0;
        }

        if (!await check(cancellationToken).ConfigureAwait(false))
        {
            Refused = true;
            throw new IOException(ErrorMessages.PublishSourceRefused);
        }

        _position++;
        return 1;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
