namespace Golem.VmImages.Building.Sources;

/// <summary>Reads at most a given number of bytes from an inner stream, which it owns.</summary>
internal sealed class BoundedReadStream(Stream inner, long length) : ForwardReadStream(inner)
{
    private readonly long _length = length;
    private long _left = length;

    public override long Length => _length;

    public override long Position => _length - _left;

    public override int Read(Span<byte> buffer)
    {
        var read = Inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        _left -= read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await Inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken).ConfigureAwait(false);
        _left -= read;
        return read;
    }
}
